//! Role mappings (`_security/role_mapping`): Elasticsearch's rules DSL (`any`, `all`,
//! `field`, `except`) over a realm user's `username`, `dn`, `groups`, `realm.name` and
//! `metadata.*`, fixed `roles` or mustache `role_templates`, parsing with Elasticsearch's
//! errors, the stored JSON form, and the roles a realm user (PKI) gets from the stored
//! mappings. Native and file users keep their own role lists, as in Elasticsearch.

use std::collections::BTreeSet;

use ironstack_types::wildcard;
use regex::Regex;
use serde_json::{Map, Value};

use crate::SecurityStore;
use crate::store::{Section, Update};

/// Why a role mapping body is refused; maps onto Elasticsearch's exception types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleMappingError {
    /// `parse_exception`: the rules expression or a template is malformed.
    #[error("{0}")]
    Parse(String),
    /// `parsing_exception`: a required field is missing or has the wrong type.
    #[error("{0}")]
    Parsing(String),
    /// `x_content_parse_exception`: an unknown top-level field.
    #[error("{0}")]
    XContent(String),
    /// `action_request_validation_exception` with each message.
    #[error("Validation Failed: {}", .0.iter().enumerate().map(|(i, m)| format!("{}: {m};", i + 1)).collect::<String>())]
    Validation(Vec<String>),
}

fn parse_err(reason: String) -> RoleMappingError {
    RoleMappingError::Parse(format!("failed to parse rules expression. {reason}"))
}

/// One value of a `field` rule.
#[derive(Debug, Clone)]
pub enum FieldValue {
    /// `null`: matches a missing or null field.
    Null,
    /// `true`/`false`.
    Bool(bool),
    /// A number, compared numerically.
    Number(serde_json::Number),
    /// A string: exact, `*`/`?` wildcard, or `/regex/` (compiled, anchored).
    Text {
        /// As written.
        raw: String,
        /// `None` for an exact value.
        pattern: Option<TextPattern>,
    },
}

/// How a string rule value that is not exact matches.
#[derive(Debug, Clone)]
pub enum TextPattern {
    /// `/regex/`, compiled and anchored.
    Regex(Regex),
    /// `*`, `?` and `\` escapes (Lucene's wildcard syntax), through the workspace's one
    /// wildcard matcher; for `dn`, the pattern is normalised like the values.
    Wildcard(String),
}

impl PartialEq for FieldValue {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl FieldValue {
    fn parse(value: &Value, field: &str) -> Result<Self, RoleMappingError> {
        Ok(match value {
            Value::Null => FieldValue::Null,
            Value::Bool(b) => FieldValue::Bool(*b),
            Value::Number(n) => FieldValue::Number(n.clone()),
            Value::String(s) => FieldValue::Text {
                raw: s.clone(),
                pattern: compile_pattern(s, field == "dn")?,
            },
            other => {
                return Err(parse_err(format!(
                    "expected a value for field [{field}] but found [{}]",
                    crate::rbac::json_token_name(other)
                )));
            }
        })
    }

    fn to_json(&self) -> Value {
        match self {
            FieldValue::Null => Value::Null,
            FieldValue::Bool(b) => Value::Bool(*b),
            FieldValue::Number(n) => Value::Number(n.clone()),
            FieldValue::Text { raw, .. } => Value::String(raw.clone()),
        }
    }

    fn matches(&self, actual: &Value, is_dn: bool) -> bool {
        match (self, actual) {
            (FieldValue::Null, Value::Null) => true,
            (FieldValue::Bool(a), Value::Bool(b)) => a == b,
            (FieldValue::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
                (Some(x), Some(y)) => x == y,
                _ => a.as_f64() == b.as_f64(),
            },
            (FieldValue::Text { raw, pattern }, Value::String(s)) => {
                let s = if is_dn { normalize_dn(s) } else { s.clone() };
                match pattern {
                    Some(TextPattern::Regex(re)) => re.is_match(&s),
                    Some(TextPattern::Wildcard(w)) => {
                        wildcard::matches_with(w, &s, wildcard::Syntax::LUCENE)
                    }
                    None if is_dn => normalize_dn(raw) == s,
                    None => *raw == s,
                }
            }
            _ => false,
        }
    }
}

/// DNs compare case-insensitively and without blanks around separators, as
/// Elasticsearch's DN normalizer does.
fn normalize_dn(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| {
            rdn.split('=')
                .map(|p| p.trim().to_lowercase())
                .collect::<Vec<_>>()
                .join("=")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `/regex/` (compiled, anchored) or a wildcard pattern; `None` for an exact value.
fn compile_pattern(s: &str, is_dn: bool) -> Result<Option<TextPattern>, RoleMappingError> {
    if s.len() >= 2 && s.starts_with('/') && s.ends_with('/') {
        let body = &s[1..s.len() - 1];
        return Regex::new(&format!("^(?:{body})$"))
            .map(|re| Some(TextPattern::Regex(re)))
            .map_err(|e| parse_err(format!("invalid regular expression [{s}]: {e}")));
    }
    if !s.contains('*') && !s.contains('?') {
        return Ok(None);
    }
    Ok(Some(TextPattern::Wildcard(if is_dn {
        normalize_dn(s)
    } else {
        s.to_string()
    })))
}

/// A rules expression.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleExpression {
    /// True if any child is.
    Any(Vec<RuleExpression>),
    /// True if every child is.
    All(Vec<RuleExpression>),
    /// True if the field has any of the values.
    Field {
        /// `username`, `dn`, `groups`, `realm.name`, `metadata.<key>`.
        field: String,
        /// The accepted values.
        values: Vec<FieldValue>,
    },
    /// Negation; only allowed as a child of `all`.
    Except(Box<RuleExpression>),
}

impl RuleExpression {
    /// Parses a rules object; `path` names it in errors (`rules`).
    pub fn parse(value: &Value, path: &str) -> Result<Self, RoleMappingError> {
        Self::parse_inner(value, path, false)
    }

    fn parse_inner(
        value: &Value,
        path: &str,
        allow_except: bool,
    ) -> Result<Self, RoleMappingError> {
        let Value::Object(map) = value else {
            return Err(parse_err(format!(
                "expected an object but found [{}] instead",
                crate::rbac::json_token_name(value)
            )));
        };
        let mut fields = map.iter();
        let (Some((name, inner)), None) = (fields.next(), fields.next()) else {
            return Err(parse_err(format!(
                "object [{path}] must have exactly one of [any, all, field, except]"
            )));
        };
        let child_path = format!("{path}.{name}");
        match name.as_str() {
            "any" | "all" => {
                let Value::Array(items) = inner else {
                    return Err(parse_err(format!(
                        "field [{child_path}] must be an array but found [{}]",
                        crate::rbac::json_token_name(inner)
                    )));
                };
                let children = items
                    .iter()
                    .map(|i| Self::parse_inner(i, &child_path, name == "all"))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(if name == "any" {
                    RuleExpression::Any(children)
                } else {
                    RuleExpression::All(children)
                })
            }
            "field" => {
                let Value::Object(f) = inner else {
                    return Err(parse_err(format!(
                        "expected an object but found [{}] instead",
                        crate::rbac::json_token_name(inner)
                    )));
                };
                let mut it = f.iter();
                let (Some((field, values)), None) = (it.next(), it.next()) else {
                    return Err(parse_err(format!(
                        "object [{child_path}] must have exactly one field"
                    )));
                };
                let values = match values {
                    Value::Array(items) => items
                        .iter()
                        .map(|v| FieldValue::parse(v, field))
                        .collect::<Result<Vec<_>, _>>()?,
                    v => vec![FieldValue::parse(v, field)?],
                };
                Ok(RuleExpression::Field {
                    field: field.clone(),
                    values,
                })
            }
            "except" => {
                if !allow_except {
                    return Err(parse_err(format!(
                        "field [{child_path}] is not allowed here (except is only valid as a child of an all expression)"
                    )));
                }
                Ok(RuleExpression::Except(Box::new(Self::parse_inner(
                    inner,
                    &child_path,
                    false,
                )?)))
            }
            _ => Err(parse_err(format!("field [{child_path}] is not recognised"))),
        }
    }

    /// The expression as Elasticsearch writes it back (a single value unwrapped).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        match self {
            RuleExpression::Any(c) => {
                out.insert("any".into(), c.iter().map(Self::to_json).collect());
            }
            RuleExpression::All(c) => {
                out.insert("all".into(), c.iter().map(Self::to_json).collect());
            }
            RuleExpression::Field { field, values } => {
                let v = match values.as_slice() {
                    [one] => one.to_json(),
                    many => many.iter().map(FieldValue::to_json).collect(),
                };
                let mut f = Map::new();
                f.insert(field.clone(), v);
                out.insert("field".into(), Value::Object(f));
            }
            RuleExpression::Except(e) => {
                out.insert("except".into(), e.to_json());
            }
        }
        Value::Object(out)
    }

    /// Whether `user` satisfies the expression.
    pub fn matches(&self, user: &UserData) -> bool {
        match self {
            RuleExpression::Any(c) => c.iter().any(|e| e.matches(user)),
            RuleExpression::All(c) => c.iter().all(|e| e.matches(user)),
            RuleExpression::Except(e) => !e.matches(user),
            RuleExpression::Field { field, values } => {
                let is_dn = field == "dn";
                let actual = user.field(field);
                let test = |a: &Value| values.iter().any(|v| v.matches(a, is_dn));
                match &actual {
                    Value::Array(items) => items.iter().any(test),
                    a => test(a),
                }
            }
        }
    }
}

/// What role mappings can see of a realm user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserData {
    /// The principal.
    pub username: String,
    /// Distinguished name, if the realm has one (PKI: the subject DN).
    pub dn: Option<String>,
    /// Groups (none for PKI).
    pub groups: Vec<String>,
    /// User metadata (PKI: `pki_dn`).
    pub metadata: Map<String, Value>,
    /// The realm's name.
    pub realm_name: String,
}

impl UserData {
    /// The value a `field` rule tests; unknown fields are null.
    fn field(&self, name: &str) -> Value {
        match name {
            "username" => Value::String(self.username.clone()),
            "dn" => self.dn.clone().map_or(Value::Null, Value::String),
            "groups" => self.groups.iter().cloned().map(Value::String).collect(),
            "realm.name" => Value::String(self.realm_name.clone()),
            _ => match name.strip_prefix("metadata.") {
                Some(key) => self.metadata.get(key).cloned().unwrap_or(Value::Null),
                None => Value::Null,
            },
        }
    }

    /// The mustache model: `username`, `dn`, `groups`, `metadata`, `realm.name`.
    fn model(&self, path: &str) -> Value {
        match path {
            "metadata" => Value::Object(self.metadata.clone()),
            "realm" => serde_json::json!({"name": self.realm_name}),
            _ => self.field(path),
        }
    }
}

/// `format` of a role template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateFormat {
    /// The result is one role name.
    String,
    /// The result is a JSON string or array of strings.
    Json,
}

/// One entry of `role_templates`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleTemplate {
    /// The mustache source.
    pub source: String,
    /// The template as stored and shown (Elasticsearch returns it as a JSON string).
    pub template: String,
    /// How the result becomes role names.
    pub format: TemplateFormat,
}

impl RoleTemplate {
    fn parse(value: &Value) -> Result<Self, RoleMappingError> {
        let Value::Object(map) = value else {
            return Err(RoleMappingError::Parsing(
                "[role_templates] expected an object".to_string(),
            ));
        };
        let mut template = None;
        let mut format = TemplateFormat::String;
        for (k, v) in map {
            match (k.as_str(), v) {
                ("template", Value::Object(_)) => template = Some(v.to_string()),
                ("template", Value::String(s)) => template = Some(s.clone()),
                ("format", Value::String(f)) => {
                    format = match f.to_ascii_lowercase().as_str() {
                        "string" => TemplateFormat::String,
                        "json" => TemplateFormat::Json,
                        _ => {
                            return Err(RoleMappingError::Parsing(format!(
                                "[role_templates] unknown format [{f}], expected one of [string, json]"
                            )));
                        }
                    }
                }
                _ => {
                    return Err(RoleMappingError::XContent(format!(
                        "[role-mapping-template] unknown field [{k}]"
                    )));
                }
            }
        }
        let template = template.ok_or_else(|| {
            RoleMappingError::Parsing("[role_templates] missing field [template]".to_string())
        })?;
        let source = template_source(&template)?;
        // Fail now on tags the evaluator does not know, as Elasticsearch compiles on PUT.
        render(&source, &UserData::default())?;
        Ok(Self {
            source,
            template,
            format,
        })
    }

    fn to_json(&self) -> Value {
        serde_json::json!({
            "template": self.template,
            "format": match self.format { TemplateFormat::String => "string", TemplateFormat::Json => "json" },
        })
    }

    /// The role names this template gives `user`.
    pub fn role_names(&self, user: &UserData) -> Vec<String> {
        let Ok(text) = render(&self.source, user) else {
            return Vec::new();
        };
        match self.format {
            TemplateFormat::String => vec![text],
            TemplateFormat::Json => match serde_json::from_str::<Value>(&text) {
                Ok(Value::String(s)) => vec![s],
                Ok(Value::Array(items)) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            },
        }
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect()
    }
}

/// The script source of a stored template: `{"source": "..."}` (a source object is
/// rendered as JSON text); a template that is not a JSON object is its own source.
fn template_source(template: &str) -> Result<String, RoleMappingError> {
    match serde_json::from_str::<Value>(template) {
        Ok(Value::Object(map)) => match map.get("source") {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(v @ Value::Object(_)) => Ok(v.to_string()),
            _ if map.contains_key("id") => Err(parse_err(
                "stored scripts (template [id]) are not supported in role templates".to_string(),
            )),
            _ => Err(RoleMappingError::Parsing(
                "[role_templates] template must have a [source]".to_string(),
            )),
        },
        Ok(Value::String(s)) => Ok(s),
        _ => Ok(template.to_string()),
    }
}

/// A small mustache: `{{name}}` (JSON-escaped, as Elasticsearch's default JSON content
/// type), `{{{name}}}` (raw), `{{#tojson}}name{{/tojson}}`, `{{#join}}name{{/join}}`,
/// dotted names (`realm.name`, `metadata.key`).
fn render(source: &str, user: &UserData) -> Result<String, RoleMappingError> {
    let lookup = |name: &str| -> Value {
        let name = name.trim();
        match name.split_once('.') {
            Some((head, tail)) if head == "metadata" || head == "realm" => {
                user.model(head).get(tail).cloned().unwrap_or(Value::Null)
            }
            _ => user.model(name),
        }
    };
    let text = |v: &Value| -> String {
        match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        }
    };
    let mut out = String::new();
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        if let Some(inner) = after.strip_prefix('{') {
            let end = inner
                .find("}}}")
                .ok_or_else(|| parse_err(format!("unclosed tag in template [{source}]")))?;
            out.push_str(&text(&lookup(&inner[..end])));
            rest = &inner[end + 3..];
            continue;
        }
        let end = after
            .find("}}")
            .ok_or_else(|| parse_err(format!("unclosed tag in template [{source}]")))?;
        let tag = after[..end].trim();
        rest = &after[end + 2..];
        if let Some(section) = tag.strip_prefix('#') {
            let close = format!("{{{{/{section}}}}}");
            let body_end = rest.find(&close).ok_or_else(|| {
                parse_err(format!(
                    "section [{section}] is not closed in template [{source}]"
                ))
            })?;
            let name = &rest[..body_end];
            rest = &rest[body_end + close.len()..];
            match section {
                "tojson" => out.push_str(&lookup(name).to_string()),
                "join" => out.push_str(&text(&lookup(name))),
                _ => {
                    return Err(parse_err(format!(
                        "unsupported mustache section [{section}] in template [{source}]"
                    )));
                }
            }
        } else if tag.starts_with('/') || tag.starts_with('^') || tag.starts_with('>') {
            return Err(parse_err(format!(
                "unsupported mustache tag [{tag}] in template [{source}]"
            )));
        } else {
            let v = text(&lookup(tag));
            let escaped = serde_json::to_string(&v).unwrap_or_default();
            out.push_str(&escaped[1..escaped.len().saturating_sub(1)]);
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// A parsed role mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleMapping {
    /// Disabled mappings are kept but never applied.
    pub enabled: bool,
    /// Fixed role names.
    pub roles: Vec<String>,
    /// Templated role names.
    pub role_templates: Vec<RoleTemplate>,
    /// When the mapping applies.
    pub rules: RuleExpression,
    /// Free-form metadata (keys starting with `_` are reserved).
    pub metadata: Map<String, Value>,
}

impl RoleMapping {
    /// Parses a PUT body (or a stored document) for mapping `name`, then applies
    /// Elasticsearch's request validation.
    pub fn parse(name: &str, body: &Value) -> Result<Self, RoleMappingError> {
        let Value::Object(map) = body else {
            return Err(RoleMappingError::Parsing(format!(
                "failed to parse role-mapping [{name}]: expected an object"
            )));
        };
        let mut enabled = None;
        let mut roles = None;
        let mut role_templates = None;
        let mut rules = None;
        let mut metadata = Map::new();
        let wrong_type = |field: &str, expected: &str, v: &Value| {
            RoleMappingError::Parsing(format!(
                "[role-mapping] {field} doesn't support values of type: {} (expected {expected})",
                crate::rbac::json_token_name(v)
            ))
        };
        for (k, v) in map {
            match k.as_str() {
                "enabled" => match v {
                    Value::Bool(b) => enabled = Some(*b),
                    Value::String(s) if s == "true" || s == "false" => enabled = Some(s == "true"),
                    _ => return Err(wrong_type("enabled", "a boolean", v)),
                },
                "roles" => {
                    let Value::Array(items) = v else {
                        return Err(wrong_type("roles", "an array of strings", v));
                    };
                    roles = Some(
                        items
                            .iter()
                            .map(|i| {
                                i.as_str()
                                    .map(str::to_string)
                                    .ok_or_else(|| wrong_type("roles", "an array of strings", i))
                            })
                            .collect::<Result<Vec<_>, _>>()?,
                    );
                }
                "role_templates" => {
                    let Value::Array(items) = v else {
                        return Err(wrong_type("role_templates", "an array of objects", v));
                    };
                    role_templates = Some(items.iter().map(RoleTemplate::parse).collect::<Result<
                        Vec<_>,
                        _,
                    >>(
                    )?);
                }
                "rules" => {
                    if !v.is_object() {
                        return Err(wrong_type("rules", "an object", v));
                    }
                    rules = Some(RuleExpression::parse(v, "rules")?);
                }
                "metadata" => match v {
                    Value::Object(m) => metadata = m.clone(),
                    _ => return Err(wrong_type("metadata", "an object", v)),
                },
                // Elasticsearch skips these when reading its own index documents.
                "doc_type" | "type" => {}
                _ => {
                    return Err(RoleMappingError::XContent(format!(
                        "[role-mapping] unknown field [{k}]"
                    )));
                }
            }
        }
        let missing = |field: &str| {
            RoleMappingError::Parsing(format!(
                "failed to parse role-mapping [{name}]. missing field [{field}]"
            ))
        };
        if roles.is_none() && role_templates.is_none() {
            return Err(missing("roles"));
        }
        let Some(rules) = rules else {
            return Err(missing("rules"));
        };
        let Some(enabled) = enabled else {
            return Err(missing("enabled"));
        };
        let mapping = Self {
            enabled,
            roles: roles.unwrap_or_default(),
            role_templates: role_templates.unwrap_or_default(),
            rules,
            metadata,
        };
        let mut errors = Vec::new();
        if mapping.roles.is_empty() && mapping.role_templates.is_empty() {
            errors.push("role-mapping roles or role-templates are missing".to_string());
        }
        if !mapping.roles.is_empty() && !mapping.role_templates.is_empty() {
            errors.push("role-mapping cannot have both roles and role-templates".to_string());
        }
        if mapping.metadata.keys().any(|k| k.starts_with('_')) {
            errors.push("metadata keys may not start with [_]".to_string());
        }
        if errors.is_empty() {
            Ok(mapping)
        } else {
            Err(RoleMappingError::Validation(errors))
        }
    }

    /// The mapping as `GET /_security/role_mapping` shows it (and as it is stored).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("enabled".into(), Value::Bool(self.enabled));
        if !self.roles.is_empty() {
            out.insert(
                "roles".into(),
                self.roles.iter().cloned().map(Value::String).collect(),
            );
        }
        if !self.role_templates.is_empty() {
            out.insert(
                "role_templates".into(),
                self.role_templates
                    .iter()
                    .map(RoleTemplate::to_json)
                    .collect(),
            );
        }
        out.insert("rules".into(), self.rules.to_json());
        out.insert("metadata".into(), Value::Object(self.metadata.clone()));
        Value::Object(out)
    }

    /// The roles this mapping gives `user` (none when disabled or not matching).
    pub fn roles_for(&self, user: &UserData) -> Vec<String> {
        if !self.enabled || !self.rules.matches(user) {
            return Vec::new();
        }
        self.roles
            .iter()
            .cloned()
            .chain(self.role_templates.iter().flat_map(|t| t.role_names(user)))
            .collect()
    }
}

/// Every stored mapping by name (unreadable documents are skipped).
pub fn stored_mappings(store: &SecurityStore) -> Vec<(String, RoleMapping)> {
    store
        .docs(Section::RoleMappings)
        .into_iter()
        .filter_map(|(name, doc)| RoleMapping::parse(&name, &doc).ok().map(|m| (name, m)))
        .collect()
}

/// Stores `mapping` under `name`; returns whether it was created (decided in the same
/// change of the store as the write, so two concurrent puts cannot both say so).
pub fn put_mapping(
    store: &SecurityStore,
    name: &str,
    mapping: &RoleMapping,
) -> crate::Result<bool> {
    let doc = mapping.to_json();
    store.update_doc(Section::RoleMappings, name, |existing| {
        (Update::Put(doc), existing.is_none())
    })
}

/// Removes the mapping `name`; returns whether it existed.
pub fn delete_mapping(store: &SecurityStore, name: &str) -> crate::Result<bool> {
    store.transact(|t| t.delete(Section::RoleMappings, name))
}

/// The roles the stored mappings give `user`: sorted, without duplicates.
pub fn mapped_roles(store: &SecurityStore, user: &UserData) -> Vec<String> {
    stored_mappings(store)
        .iter()
        .flat_map(|(_, m)| m.roles_for(user))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
#[path = "role_mapping_tests.rs"]
mod tests;
