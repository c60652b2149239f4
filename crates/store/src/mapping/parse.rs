//! Parsing one `_source` against a mapping, as Elasticsearch's `DocumentParser` does: objects
//! and arrays are walked (dotted keys expand to objects, arrays of arrays flatten), every
//! mapped leaf value is read by its field type, multi-fields and `copy_to` targets get the
//! same value, and a field the mapping does not know is handled by the `dynamic` setting of
//! its object: mapped from a dynamic template or Elasticsearch's defaults (`true`), kept out
//! of the index (`false`), refused (`strict`) or mapped as a runtime field (`runtime`).
//!
//! New mappers go into a working copy of the mapping, made on the first one only, so that
//! later values of the same document see them; the document's mapping update is rendered
//! from that copy. The mapping a document was parsed against is never modified.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::date_format::{DEFAULT_DATE_FORMAT, FieldDateFormat};
use super::field::{FieldMapping, FieldType};
use super::java_text;
use super::object::{Mapper, ObjectMapping, join, parse_mapper};
use super::position::{self, Step};
use super::templates::MatchType;
use super::values::{self, Converted, ValueError};
use super::{DATA_STREAM_TIMESTAMP_FIELD, Dynamic, Mapping, MappingLimits};
use crate::document::{FieldValue, IndexedValue, ParsedDocument};
use crate::{Result, StoreError};

/// Jackson's default nesting limit, which Elasticsearch's parser enforces.
const MAX_NESTING_DEPTH: usize = 1000;

/// Where a document is, for error texts.
struct Ctx<'a> {
    id: Option<&'a str>,
    raw: Option<&'a [u8]>,
    limits: MappingLimits,
}

impl Ctx<'_> {
    fn location(&self, steps: &[Step<'_>]) -> Option<(usize, usize)> {
        self.raw.and_then(|raw| position::locate(raw, steps))
    }

    fn prefix(&self, steps: &[Step<'_>]) -> String {
        prefix(self.location(steps))
    }

    fn description(&self) -> String {
        match self.id {
            Some(id) => format!("document with id '{id}'"),
            None => "a document".to_string(),
        }
    }

    /// `failed to parse: <inner>`, caused by an `illegal_argument_exception`.
    fn failed(&self, steps: &[Step<'_>], inner: String) -> StoreError {
        StoreError::DocumentParsing {
            reason: format!("{}failed to parse: {inner}", self.prefix(steps)),
            caused_by: Some(("illegal_argument_exception".into(), inner)),
        }
    }

    fn field_error(
        &self,
        steps: &[Step<'_>],
        path: &str,
        type_name: &str,
        value: &Value,
        error: &ValueError,
    ) -> StoreError {
        let location = self.location(steps);
        StoreError::DocumentParsing {
            reason: format!(
                "{}failed to parse field [{path}] of type [{type_name}] in {}. Preview of field's value: '{}'",
                prefix(location),
                self.description(),
                java_text::value(value)
            ),
            caused_by: Some((error.cause_type.to_string(), error.text(location))),
        }
    }
}

fn prefix(location: Option<(usize, usize)>) -> String {
    location.map_or(String::new(), |(l, c)| format!("[{l}:{c}] "))
}

/// What the document produced so far.
#[derive(Default)]
struct Output {
    fields: Vec<FieldValue>,
    ignored: Vec<String>,
    copies: Vec<(String, Value)>,
    added: Vec<Added>,
    added_fields: usize,
    timestamps: usize,
}

impl Output {
    fn ignore(&mut self, path: &str) {
        if !self.ignored.iter().any(|p| p == path) {
            self.ignored.push(path.to_string());
        }
    }
}

/// A mapper the document added, by full path.
enum Added {
    Mapper(String),
    Runtime(String),
}

/// How a new field gets mapped.
enum Creation {
    Mapper(Mapper),
    Runtime(Value),
}

struct Walker<'m> {
    mapping: Cow<'m, Mapping>,
    ctx: Ctx<'m>,
    out: Output,
    base_total: Option<usize>,
    in_copy: bool,
}

pub(super) fn parse(
    mapping: &Mapping,
    id: Option<&str>,
    raw: Option<&[u8]>,
    source: &Value,
) -> Result<ParsedDocument> {
    let ctx = Ctx {
        id,
        raw,
        limits: mapping.limits,
    };
    let Value::Object(root) = source else {
        return Err(StoreError::DocumentParsing {
            reason: format!(
                "{}Malformed content, must start with an object",
                ctx.prefix(&[])
            ),
            caused_by: None,
        });
    };
    let mut walker = Walker {
        mapping: Cow::Borrowed(mapping),
        ctx,
        out: Output::default(),
        base_total: None,
        in_copy: false,
    };
    if mapping.root.enabled != Some(false) {
        walker.parse_object("", root, &mut Vec::new(), 0)?;
        let copies = std::mem::take(&mut walker.out.copies);
        // Copied values are not in the source: no positions, and no further copies.
        walker.in_copy = true;
        walker.ctx.raw = None;
        for (target, value) in &copies {
            walker.parse_entry("", target, value, &mut Vec::new(), 0)?;
        }
        walker.ctx.raw = raw;
    }
    if mapping.requires_data_stream_timestamp() {
        let problem = match walker.out.timestamps {
            0 => Some("is missing"),
            1 => None,
            _ => Some("encountered multiple values"),
        };
        if let Some(problem) = problem {
            let inner =
                format!("data stream timestamp field [{DATA_STREAM_TIMESTAMP_FIELD}] {problem}");
            return Err(StoreError::DocumentParsing {
                reason: format!(
                    "{}failed to parse: {inner}",
                    prefix(raw.and_then(position::end))
                ),
                caused_by: Some(("illegal_argument_exception".into(), inner)),
            });
        }
    }
    let mapping_update = build_update(&walker.mapping, &walker.out.added);
    Ok(ParsedDocument {
        fields: walker.out.fields,
        mapping_update,
        ignored: walker.out.ignored,
    })
}

impl Walker<'_> {
    fn parse_object<'v>(
        &mut self,
        path: &str,
        map: &'v Map<String, Value>,
        steps: &mut Vec<Step<'v>>,
        depth: usize,
    ) -> Result<()> {
        for (key, value) in map {
            steps.push(Step::Key(key));
            self.parse_entry(path, key, value, steps, depth)?;
            steps.pop();
        }
        Ok(())
    }

    /// One key of an object at `parent`: dotted keys walk (or create) their objects first.
    fn parse_entry<'v>(
        &mut self,
        parent: &str,
        key: &'v str,
        value: &'v Value,
        steps: &mut Vec<Step<'v>>,
        depth: usize,
    ) -> Result<()> {
        if key.is_empty() {
            return Err(self
                .ctx
                .failed(steps, "field name cannot be an empty string".into()));
        }
        if key.trim().is_empty() {
            return Err(self.ctx.failed(
                steps,
                format!("field name cannot contain only whitespace: ['{key}']"),
            ));
        }
        if !key.contains('.') {
            return self.parse_field(parent, key, value, steps, depth);
        }
        if key.starts_with('.') || key.ends_with('.') || key.contains("..") {
            return Err(self.ctx.failed(
                steps,
                format!(
                    "object field starting or ending with a [.] makes object resolution ambiguous: [{key}]"
                ),
            ));
        }
        let parts: Vec<&'v str> = key.split('.').collect();
        let (leaf, objects) = match parts.split_last() {
            Some((leaf, objects)) => (*leaf, objects),
            None => return Ok(()),
        };
        let mut object_path = parent.to_string();
        let mut i = 0;
        while i < objects.len() {
            let part = objects[i];
            let here = join(&object_path, part);
            match self.mapping.root.lookup(&here) {
                Some(Mapper::Object(o)) => {
                    if o.enabled == Some(false) {
                        return Ok(());
                    }
                    object_path = here;
                    i += 1;
                }
                Some(Mapper::Field(field)) if field.field_type == FieldType::Flattened => {
                    let rest = parts[i + 1..].join(".");
                    return index_flattened(
                        &self.ctx,
                        &mut self.out,
                        &here,
                        field,
                        &rest,
                        value,
                        steps,
                    );
                }
                Some(other) => {
                    let type_name = other.type_name();
                    return Err(StoreError::DocumentParsing {
                        reason: format!(
                            "{}Could not dynamically add mapping for field [{key}]. Existing mapping for [{here}] must be of type object but found [{type_name}].",
                            self.ctx.prefix(steps),
                        ),
                        caused_by: None,
                    });
                }
                // A runtime field owns its name: nothing is mapped or indexed below it.
                None if self.mapping.runtime.contains_key(&here) => return Ok(()),
                None => match self.mapping.dynamic_for(&object_path) {
                    Dynamic::Strict => return Err(self.strict(steps, part, &object_path)),
                    Dynamic::False => return Ok(()),
                    dynamic @ (Dynamic::True | Dynamic::Runtime) => {
                        let created = self.add_dynamic(
                            &object_path,
                            part,
                            MatchType::Object,
                            None,
                            dynamic,
                            steps,
                        )?;
                        if !created {
                            return Ok(());
                        }
                        // Looked up again: a template may have mapped it as something else.
                    }
                },
            }
        }
        self.parse_field(&object_path, leaf, value, steps, depth)
    }

    /// The value of field `name` in the object at `parent`.
    fn parse_field<'v>(
        &mut self,
        parent: &str,
        name: &'v str,
        value: &'v Value,
        steps: &mut Vec<Step<'v>>,
        depth: usize,
    ) -> Result<()> {
        if depth > MAX_NESTING_DEPTH {
            return Err(self.ctx.failed(
                steps,
                format!(
                    "Document nesting depth ({depth}) exceeds the maximum allowed ({MAX_NESTING_DEPTH})"
                ),
            ));
        }
        let Value::Array(items) = value else {
            return self.parse_value(parent, name, value, steps, depth);
        };
        // Arrays of arrays flatten. They are walked with an explicit stack so that deep
        // nesting cannot exhaust the thread's stack.
        let base = steps.len();
        let mut frames: Vec<(&'v [Value], usize)> = vec![(items.as_slice(), 0)];
        while let Some(&(slice, next)) = frames.last() {
            let Some(item) = slice.get(next) else {
                frames.pop();
                continue;
            };
            let top = frames.len() - 1;
            frames[top].1 += 1;
            steps.truncate(base + top);
            steps.push(Step::Index(next));
            match item {
                Value::Array(inner) => {
                    let nesting = depth + frames.len() + 1;
                    if nesting > MAX_NESTING_DEPTH {
                        return Err(self.ctx.failed(
                            steps,
                            format!(
                                "Document nesting depth ({nesting}) exceeds the maximum allowed ({MAX_NESTING_DEPTH})"
                            ),
                        ));
                    }
                    frames.push((inner.as_slice(), 0));
                }
                _ => self.parse_value(parent, name, item, steps, depth + frames.len())?,
            }
        }
        steps.truncate(base);
        Ok(())
    }

    /// A value that is not an array.
    fn parse_value<'v>(
        &mut self,
        parent: &str,
        name: &'v str,
        value: &'v Value,
        steps: &mut Vec<Step<'v>>,
        depth: usize,
    ) -> Result<()> {
        let full = join(parent, name);
        match self.mapping.root.lookup(&full) {
            Some(Mapper::Object(o)) => {
                let enabled = o.enabled != Some(false);
                return match value {
                    Value::Object(map) if enabled => {
                        self.parse_object(&full, map, steps, depth + 1)
                    }
                    _ if !enabled => Ok(()),
                    Value::Null | Value::Object(_) => Ok(()),
                    _ => Err(StoreError::DocumentParsing {
                        reason: format!(
                            "{}object mapping for [{full}] tried to parse field [{name}] as object, but found a concrete value",
                            self.ctx.prefix(steps)
                        ),
                        caused_by: None,
                    }),
                };
            }
            Some(Mapper::Alias(_)) => {
                return Err(self
                    .ctx
                    .failed(steps, format!("Cannot write to a field alias [{full}].")));
            }
            Some(Mapper::Field(field)) => {
                return if field.field_type == FieldType::Flattened {
                    index_flattened(&self.ctx, &mut self.out, &full, field, "", value, steps)
                } else {
                    index_leaf(
                        &self.ctx,
                        &mut self.out,
                        &full,
                        field,
                        value,
                        steps,
                        self.in_copy,
                    )
                };
            }
            None => {}
        }
        if value.is_null() || self.mapping.runtime.contains_key(&full) {
            // Only concrete values create mappings; a runtime field reads the source at
            // search time and indexes nothing.
            return Ok(());
        }
        let dynamic = self.mapping.dynamic_for(parent);
        match dynamic {
            Dynamic::Strict => Err(self.strict(steps, name, parent)),
            Dynamic::False => Ok(()),
            Dynamic::True | Dynamic::Runtime => {
                let (match_type, date_format) = self.classify(value);
                let before = self.out.added.len();
                let created =
                    self.add_dynamic(parent, name, match_type, date_format, dynamic, steps)?;
                let runtime = matches!(self.out.added.get(before), Some(Added::Runtime(_)));
                if !created || runtime {
                    return Ok(());
                }
                self.parse_field(parent, name, value, steps, depth)
            }
        }
    }

    fn strict(&self, steps: &[Step<'_>], name: &str, parent: &str) -> StoreError {
        let within = if parent.is_empty() { "_doc" } else { parent };
        StoreError::StrictDynamicMapping(format!(
            "{}mapping set to strict, dynamic introduction of [{name}] within [{within}] is not allowed",
            self.ctx.prefix(steps)
        ))
    }

    /// The JSON type of a new value (`DynamicFieldsBuilder.createDynamicFieldFromValue`),
    /// with the date format that detected it.
    fn classify(&self, value: &Value) -> (MatchType, Option<FieldDateFormat>) {
        match value {
            Value::Object(_) => (MatchType::Object, None),
            Value::Bool(_) => (MatchType::Boolean, None),
            Value::Number(n) if n.is_f64() => (MatchType::Double, None),
            Value::Number(_) => (MatchType::Long, None),
            Value::String(text) => {
                let as_long = java_text::parse_long(text).is_some();
                let as_double = java_text::parse_double(text).is_some();
                let mapping = &self.mapping;
                if as_long && mapping.numeric_detection() {
                    (MatchType::Long, None)
                } else if as_double && mapping.numeric_detection() {
                    (MatchType::Double, None)
                } else if !as_long && !as_double && mapping.date_detection() {
                    // Pure numbers never count as dates: too likely a false positive.
                    match mapping
                        .dynamic_date_formats()
                        .into_iter()
                        .find(|f| f.parse(text).is_ok())
                    {
                        Some(format) => (MatchType::Date, Some(format)),
                        None => (MatchType::String, None),
                    }
                } else {
                    (MatchType::String, None)
                }
            }
            _ => (MatchType::String, None),
        }
    }

    /// Maps a new field `name` under `parent` from the first matching dynamic template or
    /// the defaults, after checking the field limits. Returns false when the field is
    /// dropped instead (`ignore_dynamic_beyond_limit`).
    fn add_dynamic(
        &mut self,
        parent: &str,
        name: &str,
        match_type: MatchType,
        date_format: Option<FieldDateFormat>,
        dynamic: Dynamic,
        steps: &[Step<'_>],
    ) -> Result<bool> {
        let full = join(parent, name);
        let template = self
            .mapping
            .dynamic_templates()
            .iter()
            .find(|t| t.matches(&full, name, match_type))
            .cloned();
        let detected = date_format.filter(|f| f.spec() != DEFAULT_DATE_FORMAT);
        let creation = match template {
            Some(template) => {
                let mapping = template.mapping_for(name, match_type);
                if template.runtime {
                    let mut definition = mapping;
                    if let Some(format) = &detected
                        && definition.get("type").and_then(Value::as_str) == Some("date")
                        && !definition.contains_key("format")
                    {
                        definition.insert("format".into(), format.spec().into());
                    }
                    Creation::Runtime(Value::Object(definition))
                } else {
                    let mut mapper = parse_mapper(name, &mapping)
                        .map_err(|e| self.ctx.failed(steps, e.reason))?;
                    if let (Mapper::Field(field), Some(format)) = (&mut mapper, &detected)
                        && matches!(field.field_type, FieldType::Date | FieldType::DateNanos)
                        && field.format.is_none()
                    {
                        field.format = Some(format.clone());
                    }
                    Creation::Mapper(mapper)
                }
            }
            None if dynamic == Dynamic::Runtime && match_type != MatchType::Object => {
                let mut definition = Map::new();
                definition.insert("type".into(), match_type.default_runtime_type().into());
                if let Some(format) = &detected {
                    definition.insert("format".into(), format.spec().into());
                }
                Creation::Runtime(Value::Object(definition))
            }
            None => Creation::Mapper(default_mapper(match_type, detected)),
        };
        let count = match &creation {
            Creation::Mapper(mapper) => mapper.total_fields(),
            Creation::Runtime(_) => 1,
        };
        let limits = self.ctx.limits;
        let base = *self
            .base_total
            .get_or_insert_with(|| self.mapping.total_fields());
        let additional = self.out.added_fields + count;
        if (base + additional) as u64 > limits.total_fields {
            if limits.ignore_dynamic_beyond_limit {
                self.out.ignore(&full);
                return Ok(false);
            }
            return Err(self.ctx.failed(
                steps,
                format!(
                    "Limit of total fields [{}] has been exceeded while adding new fields [{additional}]",
                    limits.total_fields
                ),
            ));
        }
        if let Creation::Mapper(Mapper::Object(_)) = &creation {
            let depth = full.matches('.').count() as u64 + 2;
            if depth > limits.depth {
                return Err(self.ctx.failed(
                    steps,
                    format!(
                        "Limit of mapping depth [{}] has been exceeded due to object field [{full}]",
                        limits.depth
                    ),
                ));
            }
        }
        if name.chars().count() as u64 > limits.field_name_length {
            return Err(self.ctx.failed(
                steps,
                format!(
                    "Field name [{full}] is longer than the limit of [{}] characters",
                    limits.field_name_length
                ),
            ));
        }
        let working = self.mapping.to_mut();
        match creation {
            Creation::Mapper(mapper) => {
                let Some(object) = working.root.object_mut(parent) else {
                    return Err(self
                        .ctx
                        .failed(steps, format!("no object mapping found for [{parent}]")));
                };
                object.properties.insert(name.to_string(), mapper);
                self.out.added.push(Added::Mapper(full));
            }
            Creation::Runtime(definition) => {
                working.runtime.insert(full.clone(), definition);
                self.out.added.push(Added::Runtime(full));
            }
        }
        self.out.added_fields = additional;
        Ok(true)
    }
}

/// Elasticsearch's default mapping of a new field: strings as `text` with a `keyword`
/// sub-field (`ignore_above: 256`), integers as `long`, fractions as `float`.
fn default_mapper(match_type: MatchType, date_format: Option<FieldDateFormat>) -> Mapper {
    match match_type {
        MatchType::Object => Mapper::Object(ObjectMapping::default()),
        MatchType::String | MatchType::Binary => {
            let mut text = FieldMapping::new(FieldType::Text);
            let mut keyword = FieldMapping::new(FieldType::Keyword);
            keyword.ignore_above = Some(256);
            text.fields.insert("keyword".into(), keyword);
            Mapper::Field(Box::new(text))
        }
        MatchType::Long => Mapper::Field(Box::new(FieldMapping::new(FieldType::Long))),
        MatchType::Double => Mapper::Field(Box::new(FieldMapping::new(FieldType::Float))),
        MatchType::Boolean => Mapper::Field(Box::new(FieldMapping::new(FieldType::Boolean))),
        MatchType::Date => {
            let mut date = FieldMapping::new(FieldType::Date);
            date.format = date_format;
            Mapper::Field(Box::new(date))
        }
    }
}

/// Indexes one value of a leaf field, its multi-fields, and queues its `copy_to` copies.
fn index_leaf(
    ctx: &Ctx<'_>,
    out: &mut Output,
    path: &str,
    field: &FieldMapping,
    value: &Value,
    steps: &[Step<'_>],
    in_copy: bool,
) -> Result<()> {
    let coerce = field.coerce.unwrap_or(ctx.limits.coerce);
    match values::convert(field, path, value, coerce) {
        Ok(Converted::Value(indexed)) => {
            if path == DATA_STREAM_TIMESTAMP_FIELD {
                out.timestamps += 1;
            }
            push(out, path, field, indexed);
        }
        Ok(Converted::Nothing) => {}
        Ok(Converted::IgnoredAbove) => out.ignore(path),
        Err(error) => {
            let ignore_malformed = field
                .ignore_malformed
                .unwrap_or(ctx.limits.ignore_malformed);
            let may_ignore = field.field_type.is_numeric()
                || matches!(
                    field.field_type,
                    FieldType::Boolean | FieldType::Date | FieldType::DateNanos | FieldType::Ip
                );
            if error.ignorable && ignore_malformed && may_ignore {
                out.ignore(path);
            } else {
                return Err(ctx.field_error(steps, path, field.field_type.name(), value, &error));
            }
        }
    }
    for (sub_name, sub) in &field.fields {
        let sub_path = format!("{path}.{sub_name}");
        index_leaf(ctx, out, &sub_path, sub, value, steps, true)?;
    }
    if !in_copy && !value.is_null() {
        for target in &field.copy_to {
            out.copies.push((target.clone(), value.clone()));
        }
    }
    Ok(())
}

fn push(out: &mut Output, path: &str, field: &FieldMapping, value: IndexedValue) {
    let indexed = field.indexed();
    let doc_values = field.has_doc_values();
    if indexed || doc_values {
        out.fields.push(FieldValue {
            path: path.to_string(),
            value,
            indexed,
            doc_values,
        });
    }
}

/// Indexes a `flattened` field: every leaf as a keyword under the field itself and under
/// `<field>.<key path>`. `key` is the key path already consumed by a dotted document key.
fn index_flattened(
    ctx: &Ctx<'_>,
    out: &mut Output,
    root: &str,
    field: &FieldMapping,
    key: &str,
    value: &Value,
    steps: &[Step<'_>],
) -> Result<()> {
    let depth_limit = field.depth_limit.unwrap_or(20) as usize;
    let start_depth = if key.is_empty() {
        0
    } else {
        key.matches('.').count() + 1
    };
    let mut leaves = Vec::new();
    if let Err(inner) = collect_leaves(value, key, start_depth, depth_limit, root, &mut leaves) {
        let error = ValueError {
            cause_type: "illegal_argument_exception",
            reason: inner,
            located: values::Located::No,
            ignorable: false,
        };
        return Err(ctx.field_error(steps, root, "flattened", value, &error));
    }
    for (leaf_key, leaf) in leaves {
        let leaf = match leaf {
            Value::Null => match &field.null_value {
                Some(null_value) => null_value.clone(),
                None => continue,
            },
            other => other.clone(),
        };
        let text = match values::text_of(&leaf) {
            Ok(text) => text,
            Err(_) => continue,
        };
        if field
            .ignore_above
            .is_some_and(|limit| java_text::utf16_len(&text) > limit as usize)
        {
            out.ignore(root);
            continue;
        }
        push(out, root, field, IndexedValue::Keyword(text.clone()));
        if !leaf_key.is_empty() {
            push(
                out,
                &format!("{root}.{leaf_key}"),
                field,
                IndexedValue::Keyword(text),
            );
        }
    }
    Ok(())
}

fn collect_leaves<'v>(
    value: &'v Value,
    key: &str,
    depth: usize,
    limit: usize,
    root: &str,
    out: &mut Vec<(String, &'v Value)>,
) -> std::result::Result<(), String> {
    match value {
        Value::Object(map) => {
            if depth + 1 > limit {
                return Err(format!(
                    "The provided [flattened] field [{root}] exceeds the maximum depth limit of [{limit}]."
                ));
            }
            for (k, v) in map {
                collect_leaves(v, &join(key, k), depth + 1, limit, root, out)?;
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_leaves(item, key, depth, limit, root, out)?;
            }
        }
        scalar => out.push((key.to_string(), scalar)),
    }
    Ok(())
}

/// The mapping fragment a document's new fields need: each added mapper rendered at its
/// path (an added object carries the fields added under it), runtime fields under
/// `runtime`.
fn build_update(mapping: &Mapping, added: &[Added]) -> Option<Value> {
    if added.is_empty() {
        return None;
    }
    let added_objects: Vec<&str> = added
        .iter()
        .filter_map(|a| match a {
            Added::Mapper(path) if matches!(mapping.root.lookup(path), Some(Mapper::Object(_))) => {
                Some(path.as_str())
            }
            _ => None,
        })
        .collect();
    let mut properties = Map::new();
    let mut runtime = Map::new();
    for entry in added {
        match entry {
            Added::Runtime(path) => {
                if let Some(definition) = mapping.runtime.get(path) {
                    runtime.insert(path.clone(), definition.clone());
                }
            }
            Added::Mapper(path) => {
                let under_added = added_objects.iter().any(|object| {
                    path.len() > object.len()
                        && path.starts_with(object)
                        && path.as_bytes()[object.len()] == b'.'
                });
                if under_added {
                    continue;
                }
                if let Some(mapper) = mapping.root.lookup(path) {
                    insert_at(&mut properties, path, mapper.to_json());
                }
            }
        }
    }
    let mut update = Map::new();
    if !runtime.is_empty() {
        update.insert("runtime".into(), Value::Object(runtime));
    }
    if !properties.is_empty() {
        update.insert("properties".into(), Value::Object(properties));
    }
    Some(Value::Object(update))
}

fn insert_at(properties: &mut Map<String, Value>, path: &str, node: Value) {
    let mut current = properties;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            current.insert(segment.to_string(), node);
            return;
        }
        let entry = current
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(object) = entry else {
            return;
        };
        let children = object
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(children) = children else {
            return;
        };
        current = children;
    }
}
