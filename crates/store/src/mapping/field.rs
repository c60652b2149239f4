//! Leaf field mappings: which parameters each field type takes (`FieldMapper.Builder`'s
//! parameter lists for the types this store implements), reading them with Elasticsearch's
//! errors, printing them as `GET _mapping` does (defaults left out), and merging a new
//! definition into an existing one with the updatable-parameter rules and the
//! `Mapper for [x] conflicts with existing mapper` message.
//!
//! A few parameters Elasticsearch accepts but this store has no use for (`norms`,
//! `index_options`, `eager_global_ordinals`, ...) are kept as given and printed back, so a
//! template written for Elasticsearch is accepted unchanged.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::date_format::{DEFAULT_DATE_FORMAT, DEFAULT_DATE_NANOS_FORMAT, FieldDateFormat};
use super::java_text;
use super::values;

/// A leaf field type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldType {
    /// `keyword`.
    Keyword,
    /// `text`.
    Text,
    /// `match_only_text`.
    MatchOnlyText,
    /// `long`.
    Long,
    /// `integer`.
    Integer,
    /// `short`.
    Short,
    /// `byte`.
    Byte,
    /// `double`.
    Double,
    /// `float`.
    Float,
    /// `half_float`.
    HalfFloat,
    /// `scaled_float`.
    ScaledFloat,
    /// `unsigned_long`.
    UnsignedLong,
    /// `boolean`.
    Boolean,
    /// `date`.
    Date,
    /// `date_nanos`.
    DateNanos,
    /// `ip`.
    Ip,
    /// `flattened`.
    Flattened,
}

impl FieldType {
    /// Every leaf type.
    pub const ALL: [FieldType; 17] = [
        FieldType::Keyword,
        FieldType::Text,
        FieldType::MatchOnlyText,
        FieldType::Long,
        FieldType::Integer,
        FieldType::Short,
        FieldType::Byte,
        FieldType::Double,
        FieldType::Float,
        FieldType::HalfFloat,
        FieldType::ScaledFloat,
        FieldType::UnsignedLong,
        FieldType::Boolean,
        FieldType::Date,
        FieldType::DateNanos,
        FieldType::Ip,
        FieldType::Flattened,
    ];

    /// Elasticsearch's name.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Keyword => "keyword",
            FieldType::Text => "text",
            FieldType::MatchOnlyText => "match_only_text",
            FieldType::Long => "long",
            FieldType::Integer => "integer",
            FieldType::Short => "short",
            FieldType::Byte => "byte",
            FieldType::Double => "double",
            FieldType::Float => "float",
            FieldType::HalfFloat => "half_float",
            FieldType::ScaledFloat => "scaled_float",
            FieldType::UnsignedLong => "unsigned_long",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::DateNanos => "date_nanos",
            FieldType::Ip => "ip",
            FieldType::Flattened => "flattened",
        }
    }

    /// The type called `name`.
    pub fn from_name(name: &str) -> Option<FieldType> {
        FieldType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether values are numbers (range queries, numeric aggregations).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Long
                | FieldType::Integer
                | FieldType::Short
                | FieldType::Byte
                | FieldType::Double
                | FieldType::Float
                | FieldType::HalfFloat
                | FieldType::ScaledFloat
                | FieldType::UnsignedLong
        )
    }

    /// Whether values are analysed text.
    pub fn is_text(self) -> bool {
        matches!(self, FieldType::Text | FieldType::MatchOnlyText)
    }

    /// Whether the type has doc values (and their parameter) at all.
    pub fn has_doc_values(self) -> bool {
        !self.is_text()
    }

    /// Whether `ignore_malformed` applies.
    fn takes_ignore_malformed(self) -> bool {
        self.is_numeric()
            || matches!(
                self,
                FieldType::Boolean | FieldType::Date | FieldType::DateNanos | FieldType::Ip
            )
    }
}

/// A text analyzer this store implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Analyzer {
    /// `standard`: Unicode word boundaries, lower-cased, tokens of at most 255 characters.
    Standard,
    /// `simple`: runs of letters, lower-cased.
    Simple,
    /// `whitespace`: split on whitespace, case kept.
    Whitespace,
    /// `keyword`: the whole value as one token.
    Keyword,
}

impl Analyzer {
    /// Elasticsearch's name.
    pub fn name(self) -> &'static str {
        match self {
            Analyzer::Standard => "standard",
            Analyzer::Simple => "simple",
            Analyzer::Whitespace => "whitespace",
            Analyzer::Keyword => "keyword",
        }
    }

    fn from_name(name: &str) -> Option<Analyzer> {
        [
            Analyzer::Standard,
            Analyzer::Simple,
            Analyzer::Whitespace,
            Analyzer::Keyword,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// A keyword normalizer this store implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Normalizer {
    /// `lowercase`.
    Lowercase,
}

impl Normalizer {
    /// Elasticsearch's name.
    pub fn name(self) -> &'static str {
        match self {
            Normalizer::Lowercase => "lowercase",
        }
    }

    /// Applies the normalizer to a keyword value.
    pub fn apply(self, value: &str) -> String {
        match self {
            Normalizer::Lowercase => value.to_lowercase(),
        }
    }
}

/// Why a mapping definition was refused: the text and the exception type Elasticsearch
/// reports it as (inside `Failed to parse mapping: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) reason: String,
    pub(crate) cause_type: &'static str,
}

impl Invalid {
    /// A `MapperParsingException`.
    pub(crate) fn mapper(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            cause_type: "mapper_parsing_exception",
        }
    }

    /// An `IllegalArgumentException`.
    pub(crate) fn argument(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            cause_type: "illegal_argument_exception",
        }
    }

    /// A `NumberFormatException`.
    pub(crate) fn number(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            cause_type: "number_format_exception",
        }
    }
}

pub(crate) type DefResult<T> = std::result::Result<T, Invalid>;

/// One leaf field's mapping. `None` parameters were not given and take their default.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldMapping {
    pub(crate) field_type: FieldType,
    pub(crate) index: Option<bool>,
    pub(crate) doc_values: Option<bool>,
    pub(crate) store: Option<bool>,
    pub(crate) ignore_malformed: Option<bool>,
    pub(crate) coerce: Option<bool>,
    pub(crate) null_value: Option<Value>,
    pub(crate) ignore_above: Option<u32>,
    pub(crate) normalizer: Option<Normalizer>,
    pub(crate) analyzer: Option<Analyzer>,
    pub(crate) search_analyzer: Option<Analyzer>,
    pub(crate) search_quote_analyzer: Option<Analyzer>,
    pub(crate) fielddata: Option<bool>,
    pub(crate) scaling_factor: Option<f64>,
    pub(crate) format: Option<FieldDateFormat>,
    pub(crate) depth_limit: Option<u32>,
    pub(crate) meta: Option<Map<String, Value>>,
    pub(crate) copy_to: Vec<String>,
    pub(crate) fields: BTreeMap<String, FieldMapping>,
    /// Accepted parameters without effect here, printed back as given.
    pub(crate) extra: Map<String, Value>,
}

/// Parameters Elasticsearch accepts that change nothing for this store, per type.
fn inert_params(t: FieldType) -> &'static [&'static str] {
    match t {
        FieldType::Keyword => &[
            "eager_global_ordinals",
            "index_options",
            "norms",
            "similarity",
            "split_queries_on_whitespace",
            "time_series_dimension",
        ],
        FieldType::Text => &[
            "eager_global_ordinals",
            "fielddata_frequency_filter",
            "index_options",
            "index_phrases",
            "index_prefixes",
            "norms",
            "position_increment_gap",
            "similarity",
            "term_vector",
        ],
        FieldType::Date | FieldType::DateNanos => &["locale"],
        FieldType::Ip => &["time_series_dimension"],
        FieldType::Flattened => &[
            "eager_global_ordinals",
            "index_options",
            "similarity",
            "split_queries_on_whitespace",
            "time_series_dimensions",
        ],
        t if t.is_numeric() => &["time_series_dimension", "time_series_metric"],
        _ => &[],
    }
}

fn accepts(t: FieldType, param: &str) -> bool {
    use FieldType as T;
    match param {
        "meta" => true,
        "copy_to" | "fields" => t != T::Flattened,
        "index" | "store" => t != T::MatchOnlyText && !(param == "store" && t == T::Flattened),
        "doc_values" => t.has_doc_values(),
        "null_value" => !t.is_text(),
        "ignore_malformed" => t.takes_ignore_malformed(),
        "coerce" => t.is_numeric() && t != T::UnsignedLong,
        "ignore_above" => matches!(t, T::Keyword | T::Flattened),
        "normalizer" => t == T::Keyword,
        "analyzer" | "search_analyzer" | "search_quote_analyzer" | "fielddata" => t == T::Text,
        "scaling_factor" => t == T::ScaledFloat,
        "format" => matches!(t, T::Date | T::DateNanos),
        "depth_limit" => t == T::Flattened,
        other => inert_params(t).contains(&other),
    }
}

impl FieldMapping {
    /// A field of `field_type` with every parameter at its default.
    pub(crate) fn new(field_type: FieldType) -> Self {
        Self {
            field_type,
            index: None,
            doc_values: None,
            store: None,
            ignore_malformed: None,
            coerce: None,
            null_value: None,
            ignore_above: None,
            normalizer: None,
            analyzer: None,
            search_analyzer: None,
            search_quote_analyzer: None,
            fielddata: None,
            scaling_factor: None,
            format: None,
            depth_limit: None,
            meta: None,
            copy_to: Vec::new(),
            fields: BTreeMap::new(),
            extra: Map::new(),
        }
    }

    /// Whether the field is searchable through the inverted index.
    pub(crate) fn indexed(&self) -> bool {
        self.index.unwrap_or(true)
    }

    /// Whether the field has doc values (sort, aggregations).
    pub(crate) fn has_doc_values(&self) -> bool {
        self.field_type.has_doc_values() && self.doc_values.unwrap_or(true)
    }

    /// The effective date format of a date field (its `format`, else the type's default).
    pub(crate) fn date_format(&self) -> &FieldDateFormat {
        // Parsed once: every date value of every document reads it.
        static DATE: LazyLock<FieldDateFormat> = LazyLock::new(FieldDateFormat::default);
        static DATE_NANOS: LazyLock<FieldDateFormat> =
            LazyLock::new(|| FieldDateFormat::new(DEFAULT_DATE_NANOS_FORMAT).unwrap_or_default());
        match &self.format {
            Some(format) => format,
            None if self.field_type == FieldType::DateNanos => &DATE_NANOS,
            None => &DATE,
        }
    }

    /// Fields this mapper adds to `index.mapping.total_fields.limit`: itself and its
    /// multi-fields.
    pub(crate) fn total_fields(&self) -> usize {
        1 + self
            .fields
            .values()
            .map(FieldMapping::total_fields)
            .sum::<usize>()
    }

    /// Reads a field definition (`type` already read as `field_type`). `name` is the leaf
    /// name Elasticsearch quotes in its messages; `multi` is set inside `fields`.
    pub(crate) fn parse(
        name: &str,
        type_name: &str,
        field_type: FieldType,
        node: &Map<String, Value>,
        multi: bool,
    ) -> DefResult<FieldMapping> {
        let mut field = FieldMapping::new(field_type);
        for (param, value) in node {
            if param == "type" {
                continue;
            }
            match param.as_str() {
                "fields" if accepts(field_type, "fields") => {
                    if multi {
                        return Err(Invalid::mapper(format!(
                            "Encountered a multi-field [{name}] which itself contains a multi-field. \
                             Defining chained multi-fields is not supported."
                        )));
                    }
                    field.fields = parse_multi_fields(name, value)?;
                    continue;
                }
                "copy_to" if accepts(field_type, "copy_to") => {
                    field.copy_to = match value {
                        Value::Array(items) => items.iter().map(node_string).collect(),
                        other => vec![node_string(other)],
                    };
                    continue;
                }
                "boost" => {
                    return Err(Invalid::mapper(format!(
                        "Unknown parameter [boost] on mapper [{name}]"
                    )));
                }
                _ => {}
            }
            if !accepts(field_type, param) {
                return Err(Invalid::mapper(format!(
                    "unknown parameter [{param}] on mapper [{name}] of type [{type_name}]"
                )));
            }
            if value.is_null() && param != "null_value" {
                return Err(Invalid::mapper(format!(
                    "[{param}] on mapper [{name}] of type [{type_name}] must not have a [null] value"
                )));
            }
            match param.as_str() {
                "index" => field.index = Some(node_bool(value)?),
                "doc_values" => field.doc_values = Some(node_bool(value)?),
                "store" => field.store = Some(node_bool(value)?),
                "ignore_malformed" => field.ignore_malformed = Some(node_bool(value)?),
                "coerce" => field.coerce = Some(node_bool(value)?),
                "fielddata" => field.fielddata = Some(node_bool(value)?),
                "null_value" => {
                    if !value.is_null() {
                        field.null_value = Some(value.clone());
                    }
                }
                "ignore_above" => {
                    let limit = node_int(value)?;
                    field.ignore_above = Some(u32::try_from(limit).map_err(|_| {
                        Invalid::argument(format!("[ignore_above] must be positive, got [{limit}]"))
                    })?);
                }
                "depth_limit" => {
                    let limit = node_int(value)?;
                    field.depth_limit = Some(
                        u32::try_from(limit)
                            .ok()
                            .filter(|l| *l > 0)
                            .ok_or_else(|| {
                                Invalid::argument(format!(
                                    "[depth_limit] must be positive, got [{limit}]"
                                ))
                            })?,
                    );
                }
                "normalizer" => {
                    let normalizer = node_string(value);
                    field.normalizer = Some(match normalizer.as_str() {
                        "lowercase" => Normalizer::Lowercase,
                        other => {
                            return Err(Invalid::mapper(format!(
                                "normalizer [{other}] not found for field [{name}]"
                            )));
                        }
                    });
                }
                "analyzer" | "search_analyzer" | "search_quote_analyzer" => {
                    let analyzer_name = node_string(value);
                    let analyzer = Analyzer::from_name(&analyzer_name).ok_or_else(|| {
                        Invalid::argument(format!(
                            "analyzer [{analyzer_name}] has not been configured in mappings"
                        ))
                    })?;
                    match param.as_str() {
                        "analyzer" => field.analyzer = Some(analyzer),
                        "search_analyzer" => field.search_analyzer = Some(analyzer),
                        _ => field.search_quote_analyzer = Some(analyzer),
                    }
                }
                "scaling_factor" => {
                    let factor = node_double(value)?;
                    if !factor.is_finite() || factor <= 0.0 {
                        return Err(Invalid::argument(format!(
                            "[scaling_factor] must be a positive number, got [{}]",
                            java_text::double(factor)
                        )));
                    }
                    field.scaling_factor = Some(factor);
                }
                "format" => {
                    let spec = node_string(value);
                    field.format = Some(FieldDateFormat::new(&spec).map_err(Invalid::argument)?);
                }
                "meta" => field.meta = Some(parse_meta(name, value)?),
                other => {
                    field.extra.insert(other.to_string(), value.clone());
                }
            }
        }
        if field.search_analyzer.is_some() && field.analyzer.is_none() {
            return Err(Invalid::mapper(format!(
                "analyzer on field [{name}] must be set when search_analyzer is set"
            )));
        }
        if field_type == FieldType::ScaledFloat && field.scaling_factor.is_none() {
            return Err(Invalid::argument("Field [scaling_factor] is required"));
        }
        if let Some(null_value) = field.null_value.take() {
            field.null_value = Some(values::normalize_null_value(&field, &null_value)?);
        }
        Ok(field)
    }

    /// The definition as `GET _mapping` prints it: `type` first, then every parameter that
    /// was given, then `fields` and `copy_to`.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("type".into(), Value::String(self.field_type.name().into()));
        let mut put = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                out.insert(key.into(), value);
            }
        };
        // Like Elasticsearch, a parameter given with its default value is not printed.
        let analyzer = self.analyzer.unwrap_or(Analyzer::Standard);
        let search_analyzer = self.search_analyzer.unwrap_or(analyzer);
        put(
            "analyzer",
            Some(analyzer)
                .filter(|a| self.field_type == FieldType::Text && *a != Analyzer::Standard)
                .map(|a| a.name().into()),
        );
        put(
            "search_analyzer",
            Some(search_analyzer)
                .filter(|a| self.field_type == FieldType::Text && *a != analyzer)
                .map(|a| a.name().into()),
        );
        put(
            "search_quote_analyzer",
            self.search_quote_analyzer
                .filter(|a| *a != search_analyzer)
                .map(|a| a.name().into()),
        );
        put("normalizer", self.normalizer.map(|n| n.name().into()));
        put("scaling_factor", self.scaling_factor.map(Value::from));
        put(
            "format",
            self.format
                .as_ref()
                .filter(|f| !self.is_default_format(f.spec()))
                .map(|f| f.spec().into()),
        );
        put("coerce", self.coerce.filter(|c| !c).map(Value::Bool));
        put(
            "ignore_malformed",
            self.ignore_malformed.filter(|i| *i).map(Value::Bool),
        );
        put("index", self.index.filter(|i| !i).map(Value::Bool));
        put(
            "doc_values",
            self.doc_values.filter(|d| !d).map(Value::Bool),
        );
        put("store", self.store.filter(|s| *s).map(Value::Bool));
        put("fielddata", self.fielddata.filter(|f| *f).map(Value::Bool));
        put("null_value", self.null_value.clone());
        put(
            "ignore_above",
            self.ignore_above
                .filter(|l| i64::from(*l) != i64::from(i32::MAX))
                .map(Value::from),
        );
        put(
            "depth_limit",
            self.depth_limit.filter(|d| *d != 20).map(Value::from),
        );
        for (key, value) in &self.extra {
            out.insert(key.clone(), value.clone());
        }
        if let Some(meta) = self.meta.as_ref().filter(|m| !m.is_empty()) {
            out.insert("meta".into(), Value::Object(meta.clone()));
        }
        if !self.fields.is_empty() {
            let fields: Map<String, Value> = self
                .fields
                .iter()
                .map(|(name, sub)| (name.clone(), sub.to_json()))
                .collect();
            out.insert("fields".into(), Value::Object(fields));
        }
        if !self.copy_to.is_empty() {
            out.insert(
                "copy_to".into(),
                Value::Array(self.copy_to.iter().cloned().map(Value::String).collect()),
            );
        }
        Value::Object(out)
    }

    fn is_default_format(&self, spec: &str) -> bool {
        match self.field_type {
            FieldType::DateNanos => spec == DEFAULT_DATE_NANOS_FORMAT,
            _ => spec == DEFAULT_DATE_FORMAT,
        }
    }

    /// Merges `incoming` (a new definition of the same field at `path`) into this one:
    /// a type change is refused, parameters that cannot be updated must keep their value
    /// (every difference is listed), updatable ones take the new value, multi-fields merge.
    pub(crate) fn merge(&mut self, incoming: &FieldMapping, path: &str) -> Result<(), String> {
        if self.field_type != incoming.field_type {
            return Err(format!(
                "mapper [{path}] cannot be changed from type [{}] to [{}]",
                self.field_type.name(),
                incoming.field_type.name()
            ));
        }
        let mut conflicts = Vec::new();
        let mut check = |param: &str, current: String, new: String| {
            if current != new {
                conflicts.push(format!(
                    "Cannot update parameter [{param}] from [{current}] to [{new}]"
                ));
            }
        };
        let t = self.field_type;
        if accepts(t, "index") {
            check(
                "index",
                self.indexed().to_string(),
                incoming.indexed().to_string(),
            );
        }
        if t.has_doc_values() {
            check(
                "doc_values",
                self.has_doc_values().to_string(),
                incoming.has_doc_values().to_string(),
            );
        }
        if accepts(t, "store") {
            check(
                "store",
                self.store.unwrap_or(false).to_string(),
                incoming.store.unwrap_or(false).to_string(),
            );
        }
        if accepts(t, "null_value") {
            let text = |v: &Option<Value>| v.as_ref().map_or("null".to_string(), java_text::value);
            check(
                "null_value",
                text(&self.null_value),
                text(&incoming.null_value),
            );
        }
        if t == FieldType::Keyword {
            let name = |n: Option<Normalizer>| n.map_or("null", Normalizer::name).to_string();
            check(
                "normalizer",
                name(self.normalizer),
                name(incoming.normalizer),
            );
        }
        if t == FieldType::Text {
            let name = |a: Option<Analyzer>| a.unwrap_or(Analyzer::Standard).name().to_string();
            check("analyzer", name(self.analyzer), name(incoming.analyzer));
        }
        if t == FieldType::ScaledFloat {
            let factor = |f: Option<f64>| f.map_or("null".to_string(), java_text::double);
            check(
                "scaling_factor",
                factor(self.scaling_factor),
                factor(incoming.scaling_factor),
            );
        }
        if matches!(t, FieldType::Date | FieldType::DateNanos) {
            check(
                "format",
                self.date_format().spec().to_string(),
                incoming.date_format().spec().to_string(),
            );
        }
        if !conflicts.is_empty() {
            return Err(format!(
                "Mapper for [{path}] conflicts with existing mapper:\n\t{}",
                conflicts.join("\n\t")
            ));
        }
        // Updatable parameters take the incoming value, given or default.
        self.ignore_malformed = incoming.ignore_malformed;
        self.coerce = incoming.coerce;
        self.ignore_above = incoming.ignore_above;
        self.search_analyzer = incoming.search_analyzer;
        self.search_quote_analyzer = incoming.search_quote_analyzer;
        self.fielddata = incoming.fielddata;
        self.depth_limit = incoming.depth_limit;
        self.meta.clone_from(&incoming.meta);
        self.copy_to.clone_from(&incoming.copy_to);
        self.extra.clone_from(&incoming.extra);
        // Keep the explicit spelling of non-updatable parameters when the incoming one
        // states them (same value, checked above).
        self.index = incoming.index.or(self.index);
        self.doc_values = incoming.doc_values.or(self.doc_values);
        self.store = incoming.store.or(self.store);
        for (name, sub) in &incoming.fields {
            match self.fields.get_mut(name) {
                Some(existing) => existing.merge(sub, &format!("{path}.{name}"))?,
                None => {
                    self.fields.insert(name.clone(), sub.clone());
                }
            }
        }
        Ok(())
    }
}

fn parse_multi_fields(name: &str, value: &Value) -> DefResult<BTreeMap<String, FieldMapping>> {
    let Value::Object(subs) = value else {
        return Err(Invalid::mapper(format!(
            "Expected map for property [fields] on field [{name}] but got a {}",
            java_class(value)
        )));
    };
    let mut fields = BTreeMap::new();
    for (sub_name, node) in subs {
        if sub_name.contains('.') {
            return Err(Invalid::mapper(format!(
                "Field name [{sub_name}] which is a multi field of [{name}] cannot contain '.'"
            )));
        }
        if sub_name.is_empty() {
            return Err(Invalid::argument("field name cannot be an empty string"));
        }
        let Value::Object(node) = node else {
            return Err(Invalid::mapper(format!(
                "Expected map for property [fields] on field [{sub_name}] but got a {}",
                java_class(node)
            )));
        };
        let type_name = match node.get("type") {
            Some(t) => node_string(t),
            None => {
                return Err(Invalid::mapper(format!(
                    "No type specified for field [{sub_name}]"
                )));
            }
        };
        let field_type = match FieldType::from_name(&type_name) {
            Some(FieldType::Flattened) | None
                if matches!(
                    type_name.as_str(),
                    "object" | "nested" | "alias" | "flattened"
                ) =>
            {
                return Err(Invalid::mapper(format!(
                    "Type [{type_name}] cannot be used in multi field"
                )));
            }
            Some(t) => t,
            None => {
                return Err(Invalid::mapper(format!(
                    "No handler for type [{type_name}] declared on field [{sub_name}]"
                )));
            }
        };
        let sub = FieldMapping::parse(sub_name, &type_name, field_type, node, true)?;
        fields.insert(sub_name.clone(), sub);
    }
    Ok(fields)
}

/// `meta`: at most 5 entries, keys up to 20 characters, string values up to 50.
fn parse_meta(name: &str, value: &Value) -> DefResult<Map<String, Value>> {
    let Value::Object(meta) = value else {
        return Err(Invalid::mapper(format!(
            "[meta] must be an object, got {}[{}] for field [{name}]",
            java_class_simple(value),
            java_text::value(value)
        )));
    };
    if meta.len() > 5 {
        return Err(Invalid::mapper(format!(
            "[meta] can't have more than 5 entries, but got {} on field [{name}]",
            meta.len()
        )));
    }
    for (key, entry) in meta {
        if key.chars().count() > 20 {
            return Err(Invalid::mapper(format!(
                "[meta] keys can't be longer than 20 chars, but got [{key}] for field [{name}]"
            )));
        }
        match entry {
            Value::String(s) if s.chars().count() > 50 => {
                return Err(Invalid::mapper(format!(
                    "[meta] values can't be longer than 50 chars, but got [{s}] for field [{name}]"
                )));
            }
            Value::String(_) => {}
            other => {
                return Err(Invalid::mapper(format!(
                    "[meta] values can only be strings, but got {}[{}] for field [{name}]",
                    java_class_simple(other),
                    java_text::value(other)
                )));
            }
        }
    }
    Ok(meta.clone())
}

/// `XContentMapValues.nodeBooleanValue`: a boolean, or the strings `true`/`false`.
pub(crate) fn node_bool(value: &Value) -> DefResult<bool> {
    match value {
        Value::Bool(b) => Ok(*b),
        other => match node_string(other).as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            text => Err(Invalid::argument(format!(
                "Failed to parse value [{text}] as only [true] or [false] are allowed."
            ))),
        },
    }
}

/// `XContentMapValues.nodeIntegerValue`: a number (truncated) or a decimal string.
pub(crate) fn node_int(value: &Value) -> DefResult<i64> {
    match value {
        Value::Number(n) => Ok(n
            .as_i64()
            .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)
            .clamp(i64::from(i32::MIN), i64::from(i32::MAX))),
        other => {
            let text = node_string(other);
            text.parse::<i32>()
                .map(i64::from)
                .map_err(|_| Invalid::number(format!("For input string: \"{text}\"")))
        }
    }
}

fn node_double(value: &Value) -> DefResult<f64> {
    match value {
        Value::Number(n) => Ok(n.as_f64().unwrap_or(f64::NAN)),
        other => {
            let text = node_string(other);
            java_text::parse_double(&text)
                .ok_or_else(|| Invalid::number(format!("For input string: \"{text}\"")))
        }
    }
}

/// `XContentMapValues.nodeStringValue`: the value's `toString()`.
pub(crate) fn node_string(value: &Value) -> String {
    java_text::value(value)
}

/// The Java class Elasticsearch names when a mapping node has the wrong shape.
pub(crate) fn java_class(value: &Value) -> String {
    let package = match value {
        Value::Array(_) | Value::Object(_) => "java.util",
        _ => "java.lang",
    };
    format!("class {package}.{}", java_class_simple(value))
}

fn java_class_simple(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "String",
        Value::Bool(_) => "Boolean",
        Value::Number(n) if n.is_f64() => "Double",
        Value::Number(_) => "Integer",
        Value::Array(_) => "ArrayList",
        Value::Object(_) => "LinkedHashMap",
        Value::Null => "Object",
    }
}
