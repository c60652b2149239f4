//! `dynamic_templates`: rules that decide how a new field is mapped, tried in order, the
//! first match winning. A template matches on the JSON type of the value
//! (`match_mapping_type`), on the field's name (`match`/`unmatch`) and on its full path
//! (`path_match`/`path_unmatch`), with `*` wildcards or, under `"match_pattern":"regex"`,
//! regular expressions. Its `mapping` (or `runtime`) may use `{name}` and `{dynamic_type}`.
//! Templates are validated when the mapping is read, as Elasticsearch 8+ does, so a broken
//! template fails at `PUT` time and not on the first document.

use regex::Regex;
use serde_json::{Map, Value};

use super::field::{DefResult, Invalid, node_string};
use super::object::parse_mapper;

/// The JSON type of a new value, as templates name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchType {
    Object,
    String,
    Long,
    Double,
    Boolean,
    Date,
    Binary,
}

const ALL_MATCH_TYPES: [MatchType; 7] = [
    MatchType::Object,
    MatchType::String,
    MatchType::Long,
    MatchType::Double,
    MatchType::Boolean,
    MatchType::Date,
    MatchType::Binary,
];

impl MatchType {
    fn name(self) -> &'static str {
        match self {
            MatchType::Object => "object",
            MatchType::String => "string",
            MatchType::Long => "long",
            MatchType::Double => "double",
            MatchType::Boolean => "boolean",
            MatchType::Date => "date",
            MatchType::Binary => "binary",
        }
    }

    fn from_name(name: &str) -> DefResult<MatchType> {
        ALL_MATCH_TYPES
            .into_iter()
            .find(|t| t.name() == name)
            .ok_or_else(|| {
                Invalid::mapper(format!(
                    "No field type matched on [{name}], possible values are [object, string, long, double, boolean, date, binary]"
                ))
            })
    }

    /// The type a field of this kind gets by default (`{dynamic_type}`).
    pub(crate) fn default_mapping_type(self) -> &'static str {
        match self {
            MatchType::String => "text",
            MatchType::Double => "float",
            other => other.name(),
        }
    }

    /// The runtime field type it gets under `dynamic: runtime`.
    pub(crate) fn default_runtime_type(self) -> &'static str {
        match self {
            MatchType::String => "keyword",
            other => other.name(),
        }
    }
}

/// The runtime field types Elasticsearch has.
const RUNTIME_TYPES: [&str; 8] = [
    "boolean",
    "composite",
    "date",
    "double",
    "geo_point",
    "ip",
    "keyword",
    "long",
];

/// One dynamic template.
#[derive(Debug, Clone)]
pub(crate) struct DynamicTemplate {
    pub(crate) name: String,
    match_mapping_type: Vec<MatchType>,
    unmatch_mapping_type: Vec<MatchType>,
    matches: Patterns,
    unmatches: Patterns,
    path_matches: Patterns,
    path_unmatches: Patterns,
    regex: bool,
    /// The `mapping`, or the `runtime` block when `runtime` is set.
    pub(crate) mapping: Map<String, Value>,
    pub(crate) runtime: bool,
}

impl PartialEq for DynamicTemplate {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

/// A `match`-style condition: as given (a string or a list), compiled when regex.
#[derive(Debug, Clone, Default)]
struct Patterns {
    given: Option<Value>,
    texts: Vec<String>,
    compiled: Vec<Regex>,
}

impl Patterns {
    fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    fn any_matches(&self, regex: bool, candidate: &str) -> bool {
        if regex {
            self.compiled.iter().any(|r| r.is_match(candidate))
        } else {
            self.texts
                .iter()
                .any(|p| ironstack_types::wildcard::simple_match(p, candidate))
        }
    }
}

impl DynamicTemplate {
    /// Reads `dynamic_templates`.
    pub(crate) fn parse_all(value: &Value) -> DefResult<Vec<DynamicTemplate>> {
        let syntax = || {
            Invalid::mapper("Dynamic template syntax error. An array of named objects is expected.")
        };
        let Value::Array(entries) = value else {
            return Err(syntax());
        };
        entries
            .iter()
            .map(|entry| match entry {
                Value::Object(named) if named.len() == 1 => {
                    let (name, conf) = named.iter().next().ok_or_else(syntax)?;
                    let Value::Object(conf) = conf else {
                        return Err(syntax());
                    };
                    DynamicTemplate::parse(name, conf)
                }
                _ => Err(syntax()),
            })
            .collect()
    }

    fn parse(name: &str, conf: &Map<String, Value>) -> DefResult<DynamicTemplate> {
        let mut template = DynamicTemplate {
            name: name.to_string(),
            match_mapping_type: Vec::new(),
            unmatch_mapping_type: Vec::new(),
            matches: Patterns::default(),
            unmatches: Patterns::default(),
            path_matches: Patterns::default(),
            path_unmatches: Patterns::default(),
            regex: false,
            mapping: Map::new(),
            runtime: false,
        };
        let mut mapping = None;
        let mut runtime = None;
        for (key, value) in conf {
            match key.as_str() {
                "match" => template.matches = patterns(key, value)?,
                "unmatch" => template.unmatches = patterns(key, value)?,
                "path_match" => template.path_matches = patterns(key, value)?,
                "path_unmatch" => template.path_unmatches = patterns(key, value)?,
                "match_mapping_type" | "unmatch_mapping_type" => {
                    let names = patterns(key, value)?.texts;
                    let types = if key == "match_mapping_type" && names.iter().any(|n| n == "*") {
                        ALL_MATCH_TYPES.to_vec()
                    } else {
                        names
                            .iter()
                            .map(|n| MatchType::from_name(n))
                            .collect::<DefResult<Vec<_>>>()?
                    };
                    if key == "match_mapping_type" {
                        template.match_mapping_type = types;
                    } else {
                        template.unmatch_mapping_type = types;
                    }
                }
                "match_pattern" => {
                    template.regex = match node_string(value).as_str() {
                        "simple" => false,
                        "regex" => true,
                        other => {
                            return Err(Invalid::mapper(format!(
                                "Illegal match_type value [{other}], accepted values are [simple, regex]"
                            )));
                        }
                    }
                }
                "mapping" | "runtime" => {
                    let Value::Object(body) = value else {
                        return Err(Invalid::mapper(format!(
                            "[{key}] of dynamic template [{name}] must be an object"
                        )));
                    };
                    if key == "mapping" {
                        mapping = Some(body.clone());
                    } else {
                        runtime = Some(body.clone());
                    }
                }
                other => {
                    return Err(Invalid::mapper(format!(
                        "Illegal dynamic template parameter: [{other}]"
                    )));
                }
            }
        }
        match (mapping, runtime) {
            (Some(_), Some(_)) => {
                return Err(Invalid::mapper(format!(
                    "Template [{name}] can't have both mapping and runtime set"
                )));
            }
            (None, None) => {
                return Err(Invalid::mapper(format!(
                    "template [{name}] must have either mapping or runtime set"
                )));
            }
            (Some(m), None) => template.mapping = m,
            (None, Some(r)) => {
                template.mapping = r;
                template.runtime = true;
            }
        }
        if template.regex {
            for list in [
                &mut template.matches,
                &mut template.unmatches,
                &mut template.path_matches,
                &mut template.path_unmatches,
            ] {
                list.compiled = list
                    .texts
                    .iter()
                    .map(|p| {
                        Regex::new(&format!("^(?:{p})$")).map_err(|_| {
                            Invalid::mapper(format!(
                                "Pattern [{p}] of type [regex] is invalid. Cannot create dynamic template [{name}]."
                            ))
                        })
                    })
                    .collect::<DefResult<Vec<_>>>()?;
            }
        }
        if template.runtime && template.match_mapping_type.contains(&MatchType::Object) {
            return Err(Invalid::mapper(format!(
                "Dynamic template [{name}] defines a runtime field but type [object] is not supported as runtime field"
            )));
        }
        template.validate()?;
        Ok(template)
    }

    /// Checks that the template's mapping parses for at least one of the JSON types it
    /// can match.
    fn validate(&self) -> DefResult<()> {
        let types: Vec<MatchType> = if self.match_mapping_type.is_empty() {
            ALL_MATCH_TYPES.to_vec()
        } else {
            self.match_mapping_type.clone()
        };
        let types: Vec<MatchType> = types
            .into_iter()
            .filter(|t| !self.runtime || *t != MatchType::Object)
            .collect();
        let mut last_error = None;
        for t in &types {
            match self.build_probe(*t) {
                Ok(()) => return Ok(()),
                Err(e) => last_error = Some(e),
            }
        }
        match last_error {
            None => Ok(()),
            Some(e) => Err(Invalid::mapper(format!(
                "dynamic template [{}] has invalid content [{}], attempted to validate it with the following match_mapping_type: [{}], last error: [{}]",
                self.name,
                self.to_json(),
                types
                    .iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                e.reason
            ))),
        }
    }

    fn build_probe(&self, t: MatchType) -> DefResult<()> {
        let probe_name = format!("__dynamic__{}", self.name);
        let mapping = self.mapping_for(&probe_name, t);
        if self.runtime {
            let type_name = mapping.get("type").map(node_string).unwrap_or_default();
            if !RUNTIME_TYPES.contains(&type_name.as_str()) {
                return Err(Invalid::mapper(format!(
                    "No handler for type [{type_name}] declared on runtime field [{probe_name}]"
                )));
            }
            return Ok(());
        }
        parse_mapper(&probe_name, &mapping).map(|_| ())
    }

    /// Whether this template applies to a new field `name` at `path` holding a value of
    /// type `t` (`DynamicTemplate.match`).
    pub(crate) fn matches(&self, path: &str, name: &str, t: MatchType) -> bool {
        if self.match_mapping_type.is_empty()
            && self.matches.is_empty()
            && self.path_matches.is_empty()
        {
            // Such a template is only reachable by name (bulk `dynamic_templates`).
            return false;
        }
        if !self.path_matches.is_empty() && !self.path_matches.any_matches(self.regex, path) {
            return false;
        }
        if !self.matches.is_empty() && !self.matches.any_matches(self.regex, name) {
            return false;
        }
        if self.path_unmatches.any_matches(self.regex, path) {
            return false;
        }
        if self.unmatches.any_matches(self.regex, name) {
            return false;
        }
        if !self.match_mapping_type.is_empty() && !self.match_mapping_type.contains(&t) {
            return false;
        }
        if self.unmatch_mapping_type.contains(&t) {
            return false;
        }
        !(self.runtime && t == MatchType::Object)
    }

    /// The template's mapping for a field `name` of type `t`, placeholders replaced and
    /// `type` filled in when the template leaves it out.
    pub(crate) fn mapping_for(&self, name: &str, t: MatchType) -> Map<String, Value> {
        let dynamic_type = if self.runtime {
            t.default_runtime_type()
        } else {
            t.default_mapping_type()
        };
        let mut mapping =
            match replace_placeholders(&Value::Object(self.mapping.clone()), name, dynamic_type) {
                Value::Object(m) => m,
                _ => Map::new(),
            };
        if !mapping.contains_key("type") {
            let mut typed = Map::new();
            typed.insert("type".into(), Value::String(dynamic_type.into()));
            typed.extend(mapping);
            mapping = typed;
        }
        mapping
    }

    /// The template as `GET _mapping` prints it.
    pub(crate) fn to_json(&self) -> Value {
        let mut conf = Map::new();
        let mut put = |key: &str, p: &Patterns| {
            if let Some(given) = &p.given {
                conf.insert(key.into(), given.clone());
            }
        };
        put("match", &self.matches);
        put("path_match", &self.path_matches);
        put("unmatch", &self.unmatches);
        put("path_unmatch", &self.path_unmatches);
        let types = |types: &[MatchType]| -> Value {
            match types {
                [one] => Value::String(one.name().into()),
                many if many.len() == ALL_MATCH_TYPES.len() => Value::String("*".into()),
                many => Value::Array(
                    many.iter()
                        .map(|t| Value::String(t.name().into()))
                        .collect(),
                ),
            }
        };
        if !self.match_mapping_type.is_empty() {
            conf.insert("match_mapping_type".into(), types(&self.match_mapping_type));
        }
        if !self.unmatch_mapping_type.is_empty() {
            conf.insert(
                "unmatch_mapping_type".into(),
                types(&self.unmatch_mapping_type),
            );
        }
        if self.regex {
            conf.insert("match_pattern".into(), "regex".into());
        }
        conf.insert(
            if self.runtime { "runtime" } else { "mapping" }.into(),
            Value::Object(self.mapping.clone()),
        );
        let mut named = Map::new();
        named.insert(self.name.clone(), Value::Object(conf));
        Value::Object(named)
    }
}

fn patterns(key: &str, value: &Value) -> DefResult<Patterns> {
    let texts = match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().map(node_string).collect()
        }
        other => {
            return Err(Invalid::mapper(format!(
                "[{key}] values must either be a string or list of strings, but was [{}]",
                super::java_text::value(other)
            )));
        }
    };
    Ok(Patterns {
        given: Some(value.clone()),
        texts,
        compiled: Vec::new(),
    })
}

/// `{name}` and `{dynamic_type}` in keys and string values, at any depth.
fn replace_placeholders(value: &Value, name: &str, dynamic_type: &str) -> Value {
    let replace = |s: &str| {
        s.replace("{name}", name)
            .replace("{dynamic_type}", dynamic_type)
    };
    match value {
        Value::String(s) => Value::String(replace(s)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| replace_placeholders(v, name, dynamic_type))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (replace(k), replace_placeholders(v, name, dynamic_type)))
                .collect(),
        ),
        other => other.clone(),
    }
}
