//! Finding fields for the query layer and the engine: a dotted path resolved to the concrete
//! field behind it (aliases followed, multi-fields by their full path, keys inside a
//! `flattened` field, runtime fields), wildcard expansion over searchable leaves as
//! `query_string` and `multi_match` do it, the `_field_caps` view of every mapped field, and
//! `_source` filtering by the mapping's `includes`/`excludes`.

use ironstack_types::wildcard;
use serde_json::Value;

use super::field::{Analyzer, FieldMapping, FieldType, Normalizer};
use super::object::{Mapper, join};
use super::{FieldDateFormat, Mapping};

/// A field as queries and aggregations use it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedField {
    /// The concrete field's full path (an alias's target; a flattened key keeps its
    /// full path, `labels.env`).
    pub path: String,
    /// Its type (`Keyword` for a key inside a `flattened` field).
    pub field_type: FieldType,
    /// Whether it has an inverted index (term, match, range via the index).
    pub indexed: bool,
    /// Whether it has doc values (sort, aggregations, range via columns).
    pub doc_values: bool,
    /// The date format of `date` and `date_nanos` fields.
    pub date_format: Option<FieldDateFormat>,
    /// The analyzer of `text` fields at index time.
    pub analyzer: Option<Analyzer>,
    /// The analyzer of `text` fields at search time (`search_analyzer`, else `analyzer`).
    pub search_analyzer: Option<Analyzer>,
    /// A `keyword` field's normalizer, applied to query terms too.
    pub normalizer: Option<Normalizer>,
    /// A `scaled_float` field's factor.
    pub scaling_factor: Option<f64>,
    /// `fielddata` on a `text` field (sorting and aggregating on it allowed).
    pub fielddata: bool,
    /// For a key inside a `flattened` field: the flattened field's path.
    pub flattened_root: Option<String>,
    /// Whether it is a runtime field (in the mapping, not indexed by this store).
    pub runtime: bool,
}

/// One row of `_field_caps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldCap {
    /// Full path.
    pub name: String,
    /// Type name (`keyword`, `object`, ...).
    pub type_name: String,
    /// `searchable`.
    pub searchable: bool,
    /// `aggregatable`.
    pub aggregatable: bool,
}

impl ResolvedField {
    fn of(path: String, field: &FieldMapping) -> Self {
        let is_date = matches!(field.field_type, FieldType::Date | FieldType::DateNanos);
        let is_text = field.field_type == FieldType::Text;
        Self {
            path,
            field_type: field.field_type,
            indexed: field.indexed(),
            doc_values: field.has_doc_values(),
            date_format: is_date.then(|| field.date_format().clone()),
            analyzer: is_text.then(|| field.analyzer.unwrap_or(Analyzer::Standard)),
            search_analyzer: is_text.then(|| {
                field
                    .search_analyzer
                    .or(field.analyzer)
                    .unwrap_or(Analyzer::Standard)
            }),
            normalizer: field.normalizer,
            scaling_factor: field.scaling_factor,
            fielddata: field.fielddata.unwrap_or(false),
            flattened_root: None,
            runtime: false,
        }
    }
}

impl Mapping {
    /// The field at `path`: a leaf, a multi-field (`host.name.keyword`), an alias's target,
    /// a key inside a `flattened` field, or a runtime field. `None` for objects and unmapped
    /// paths.
    pub fn resolve(&self, path: &str) -> Option<ResolvedField> {
        match self.root.lookup(path) {
            Some(Mapper::Field(field)) => return Some(ResolvedField::of(path.to_string(), field)),
            Some(Mapper::Alias(alias)) => {
                return match self.root.lookup(&alias.path) {
                    Some(Mapper::Field(field)) => {
                        Some(ResolvedField::of(alias.path.clone(), field))
                    }
                    _ => self.resolve_sub_field(&alias.path),
                };
            }
            Some(Mapper::Object(_)) => return None,
            None => {}
        }
        if let Some(found) = self.resolve_sub_field(path) {
            return Some(found);
        }
        if let Some(definition) = self.runtime.get(path) {
            let type_name = definition.get("type").and_then(Value::as_str)?;
            let field_type = FieldType::from_name(type_name)?;
            let format = definition
                .get("format")
                .and_then(Value::as_str)
                .and_then(|f| FieldDateFormat::new(f).ok());
            return Some(ResolvedField {
                path: path.to_string(),
                field_type,
                indexed: false,
                doc_values: false,
                date_format: (field_type == FieldType::Date).then(|| format.unwrap_or_default()),
                analyzer: None,
                search_analyzer: None,
                normalizer: None,
                scaling_factor: None,
                fielddata: false,
                flattened_root: None,
                runtime: true,
            });
        }
        None
    }

    /// A multi-field by its full path, or a key of a `flattened` field.
    fn resolve_sub_field(&self, path: &str) -> Option<ResolvedField> {
        // Walk down the objects; the first non-object decides.
        let mut prefix = String::new();
        for segment in path.split('.') {
            let here = join(&prefix, segment);
            match self.root.lookup(&here) {
                Some(Mapper::Object(_)) => prefix = here,
                Some(Mapper::Field(field)) => {
                    let rest = path.get(here.len() + 1..)?;
                    if field.field_type == FieldType::Flattened {
                        return Some(ResolvedField {
                            flattened_root: Some(here),
                            field_type: FieldType::Keyword,
                            ..ResolvedField::of(path.to_string(), field)
                        });
                    }
                    let sub = field.fields.get(rest)?;
                    return Some(ResolvedField::of(path.to_string(), sub));
                }
                _ => return None,
            }
        }
        None
    }

    /// Every concrete leaf field (multi-fields included; aliases and runtime fields not),
    /// parents before their multi-fields, sorted by path: what an engine builds its
    /// per-field structures from.
    pub fn leaf_fields(&self) -> Vec<ResolvedField> {
        let mut all = Vec::new();
        self.root.walk("", &mut all);
        let mut out = Vec::new();
        for (path, mapper) in all {
            if let Mapper::Field(field) = mapper {
                for (sub_name, sub) in &field.fields {
                    out.push(ResolvedField::of(format!("{path}.{sub_name}"), sub));
                }
                out.push(ResolvedField::of(path, field));
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        out
    }

    /// Searchable leaf fields (multi-fields and aliases included) whose full path matches
    /// the `*` pattern, sorted.
    pub fn searchable_fields(&self, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .field_caps()
            .into_iter()
            .filter(|cap| cap.searchable && cap.type_name != "object")
            .map(|cap| cap.name)
            .filter(|name| wildcard::simple_match(pattern, name))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every mapped field as `_field_caps` describes it, sorted by name: objects, leaves,
    /// multi-fields, aliases (with their target's capabilities) and runtime fields (which
    /// this store cannot search).
    pub fn field_caps(&self) -> Vec<FieldCap> {
        let mut all = Vec::new();
        self.root.walk("", &mut all);
        let mut caps = Vec::new();
        for (path, mapper) in all {
            match mapper {
                Mapper::Object(_) => caps.push(FieldCap {
                    name: path,
                    type_name: "object".into(),
                    searchable: false,
                    aggregatable: false,
                }),
                Mapper::Field(field) => {
                    caps.push(cap_of(path.clone(), field));
                    for (sub_name, sub) in &field.fields {
                        caps.push(cap_of(format!("{path}.{sub_name}"), sub));
                    }
                }
                Mapper::Alias(alias) => {
                    if let Some(target) = self.resolve(&alias.path) {
                        caps.push(FieldCap {
                            name: path,
                            type_name: target.field_type.name().into(),
                            searchable: searchable(
                                target.field_type,
                                target.indexed,
                                target.doc_values,
                            ),
                            aggregatable: aggregatable(
                                target.field_type,
                                target.doc_values,
                                target.fielddata,
                            ),
                        });
                    }
                }
            }
        }
        for (name, definition) in &self.runtime {
            let type_name = definition
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("keyword");
            caps.push(FieldCap {
                name: name.clone(),
                type_name: type_name.into(),
                searchable: false,
                aggregatable: false,
            });
        }
        caps.sort_by(|a, b| a.name.cmp(&b.name));
        caps
    }
}

fn searchable(t: FieldType, indexed: bool, doc_values: bool) -> bool {
    if t.is_text() {
        indexed
    } else {
        indexed || doc_values
    }
}

fn aggregatable(t: FieldType, doc_values: bool, fielddata: bool) -> bool {
    match t {
        FieldType::Text => fielddata,
        FieldType::MatchOnlyText => false,
        _ => doc_values,
    }
}

fn cap_of(name: String, field: &FieldMapping) -> FieldCap {
    FieldCap {
        name,
        type_name: field.field_type.name().into(),
        searchable: searchable(field.field_type, field.indexed(), field.has_doc_values()),
        aggregatable: aggregatable(
            field.field_type,
            field.has_doc_values(),
            field.fielddata.unwrap_or(false),
        ),
    }
}
