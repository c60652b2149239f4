//! The tree of a mapping: objects with their `properties`, leaf fields and aliases. Reading
//! `properties` as `ObjectMapper.TypeParser` does (dotted names expand to objects, a node
//! without `type` is an object if it has `properties`), printing it back sorted by name as
//! `GET _mapping` does, and merging another tree into it with Elasticsearch's conflict rules.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::Dynamic;
use super::field::{
    DefResult, FieldMapping, FieldType, Invalid, java_class, node_bool, node_string,
};
use super::java_text;

/// One entry of `properties`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mapper {
    Object(ObjectMapping),
    Field(Box<FieldMapping>),
    Alias(AliasMapping),
}

/// An `object` mapping.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ObjectMapping {
    /// `dynamic`, when given (otherwise inherited from the parent).
    pub(crate) dynamic: Option<Dynamic>,
    /// `enabled`, when given (default true).
    pub(crate) enabled: Option<bool>,
    /// Children by name (sorted: the order `GET _mapping` prints).
    pub(crate) properties: BTreeMap<String, Mapper>,
}

/// A field `alias`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AliasMapping {
    /// The concrete field it stands for.
    pub(crate) path: String,
}

impl Mapper {
    /// Elasticsearch's type name.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Mapper::Object(_) => "object",
            Mapper::Field(f) => f.field_type.name(),
            Mapper::Alias(_) => "alias",
        }
    }

    /// How much this mapper (and everything under it) counts towards
    /// `index.mapping.total_fields.limit`.
    pub(crate) fn total_fields(&self) -> usize {
        match self {
            Mapper::Object(o) => 1 + o.total_fields(),
            Mapper::Field(f) => f.total_fields(),
            Mapper::Alias(_) => 1,
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        match self {
            Mapper::Object(o) => o.to_json(true),
            Mapper::Field(f) => f.to_json(),
            Mapper::Alias(a) => {
                let mut out = Map::new();
                out.insert("type".into(), "alias".into());
                out.insert("path".into(), Value::String(a.path.clone()));
                Value::Object(out)
            }
        }
    }
}

impl ObjectMapping {
    /// Fields under this object (not counting itself).
    pub(crate) fn total_fields(&self) -> usize {
        self.properties.values().map(Mapper::total_fields).sum()
    }

    /// Prints the object; `typed` adds `"type":"object"` when it has no properties, as
    /// Elasticsearch does for a non-root object.
    pub(crate) fn to_json(&self, typed: bool) -> Value {
        let mut out = Map::new();
        if typed && self.properties.is_empty() {
            out.insert("type".into(), "object".into());
        }
        self.render_params(&mut out);
        self.render_properties(&mut out);
        Value::Object(out)
    }

    pub(crate) fn render_params(&self, out: &mut Map<String, Value>) {
        if let Some(dynamic) = self.dynamic {
            out.insert("dynamic".into(), dynamic.to_json());
        }
        if self.enabled == Some(false) {
            out.insert("enabled".into(), Value::Bool(false));
        }
    }

    pub(crate) fn render_properties(&self, out: &mut Map<String, Value>) {
        if !self.properties.is_empty() {
            let properties: Map<String, Value> = self
                .properties
                .iter()
                .map(|(name, mapper)| (name.clone(), mapper.to_json()))
                .collect();
            out.insert("properties".into(), Value::Object(properties));
        }
    }

    /// Reads an object node's own parameters (not `properties`); `name` for messages.
    pub(crate) fn parse(name: &str, node: &Map<String, Value>) -> DefResult<ObjectMapping> {
        let mut object = ObjectMapping::default();
        let mut unsupported = Vec::new();
        for (key, value) in node {
            match key.as_str() {
                "type" => {}
                "properties" => object.properties = parse_properties(value)?,
                "dynamic" => object.dynamic = Some(Dynamic::parse(value)?),
                "enabled" => object.enabled = Some(node_bool(value)?),
                _ => unsupported.push((key, value)),
            }
        }
        if !unsupported.is_empty() {
            return Err(Invalid::mapper(format!(
                "Mapping definition for [{name}] has unsupported parameters: {}",
                remaining(unsupported)
            )));
        }
        Ok(object)
    }

    /// The child mapper at a dotted `path` below this object.
    pub(crate) fn lookup(&self, path: &str) -> Option<&Mapper> {
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (path, None),
        };
        let child = self.properties.get(head)?;
        match (child, rest) {
            (_, None) => Some(child),
            (Mapper::Object(o), Some(rest)) => o.lookup(rest),
            _ => None,
        }
    }

    /// The object at a dotted `path` (empty for this one), mutably.
    pub(crate) fn object_mut(&mut self, path: &str) -> Option<&mut ObjectMapping> {
        if path.is_empty() {
            return Some(self);
        }
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) => (head, rest),
            None => (path, ""),
        };
        match self.properties.get_mut(head)? {
            Mapper::Object(o) => o.object_mut(rest),
            _ => None,
        }
    }

    /// Merges `incoming` into this object (at `path`, empty for the root), as a mapping
    /// update does.
    pub(crate) fn merge(&mut self, incoming: &ObjectMapping, path: &str) -> Result<(), String> {
        if incoming.dynamic.is_some() {
            self.dynamic = incoming.dynamic;
        }
        if let Some(enabled) = incoming.enabled
            && enabled != self.enabled.unwrap_or(true)
        {
            return Err(format!(
                "the [enabled] parameter can't be updated for the object mapping [{path}]"
            ));
        }
        for (name, child) in &incoming.properties {
            let child_path = join(path, name);
            match (self.properties.get_mut(name), child) {
                (None, _) => {
                    self.properties.insert(name.clone(), child.clone());
                }
                (Some(Mapper::Object(existing)), Mapper::Object(new)) => {
                    existing.merge(new, &child_path)?;
                }
                (Some(Mapper::Object(_)), _) | (Some(_), Mapper::Object(_)) => {
                    return Err(format!(
                        "can't merge a non object mapping [{child_path}] with an object mapping"
                    ));
                }
                (Some(Mapper::Field(existing)), Mapper::Field(new)) => {
                    existing.merge(new, &child_path)?;
                }
                (Some(Mapper::Alias(existing)), Mapper::Alias(new)) => {
                    existing.path.clone_from(&new.path);
                }
                (Some(Mapper::Alias(_)), Mapper::Field(_)) => {
                    return Err(format!(
                        "Cannot merge a field alias mapping [{child_path}] with a mapping that is not for a field alias."
                    ));
                }
                (Some(Mapper::Field(existing)), Mapper::Alias(_)) => {
                    return Err(format!(
                        "mapper [{child_path}] cannot be changed from type [{}] to [FieldAliasMapper]",
                        existing.field_type.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Every mapper below this object with its full path, parents before children.
    pub(crate) fn walk<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a Mapper)>) {
        for (name, mapper) in &self.properties {
            let path = join(prefix, name);
            out.push((path.clone(), mapper));
            if let Mapper::Object(o) = mapper {
                o.walk(&path, out);
            }
        }
    }
}

pub(crate) fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Elasticsearch's list of leftover parameters: ` [key : value]` per entry, values as Java
/// prints them.
pub(crate) fn remaining(entries: Vec<(&String, &Value)>) -> String {
    entries
        .into_iter()
        .map(|(k, v)| format!(" [{k} : {}]", java_text::value(v)))
        .collect()
}

/// Reads `properties`.
pub(crate) fn parse_properties(value: &Value) -> DefResult<BTreeMap<String, Mapper>> {
    let props = match value {
        Value::Object(props) => props,
        Value::Array(items) if items.is_empty() => return Ok(BTreeMap::new()),
        _ => {
            return Err(Invalid {
                reason: "properties must be a map type".into(),
                cause_type: "parse_exception",
            });
        }
    };
    let mut out: BTreeMap<String, Mapper> = BTreeMap::new();
    for (name, node) in props {
        if name.is_empty() {
            return Err(Invalid::argument("field name cannot be an empty string"));
        }
        if name.trim().is_empty() {
            return Err(Invalid::argument(format!(
                "field name cannot contain only whitespace: ['{name}']"
            )));
        }
        let parts: Vec<&str> = name.split('.').collect();
        if parts.iter().all(|p| p.is_empty()) {
            return Err(Invalid::argument("field name cannot contain only dots"));
        }
        if parts.iter().any(|p| p.is_empty()) {
            return Err(Invalid::argument("name cannot be empty string"));
        }
        let node = match node {
            Value::Object(node) => node,
            Value::Array(items) if items.is_empty() => continue,
            other => {
                return Err(Invalid::mapper(format!(
                    "Expected map for property [fields] on field [{name}] but got a {}",
                    java_class(other)
                )));
            }
        };
        let leaf_name = parts.last().copied().unwrap_or(name.as_str());
        let mut mapper = parse_mapper(leaf_name, node)?;
        for i in (0..parts.len() - 1).rev() {
            let mut object = ObjectMapping::default();
            object.properties.insert(parts[i + 1].to_string(), mapper);
            mapper = Mapper::Object(object);
        }
        let top = parts[0].to_string();
        match out.remove(&top) {
            None => {
                out.insert(top, mapper);
            }
            Some(Mapper::Object(mut existing)) => match mapper {
                Mapper::Object(new) => {
                    existing.merge(&new, &top).map_err(Invalid::argument)?;
                    out.insert(top, Mapper::Object(existing));
                }
                _ => {
                    return Err(Invalid::argument(format!(
                        "can't merge a non object mapping [{top}] with an object mapping"
                    )));
                }
            },
            Some(_) => {
                // A later definition of the same leaf replaces the earlier one, as a
                // `LinkedHashMap` built from the request would.
                out.insert(top, mapper);
            }
        }
    }
    Ok(out)
}

/// Reads one property node (its name already split off).
pub(crate) fn parse_mapper(name: &str, node: &Map<String, Value>) -> DefResult<Mapper> {
    let type_name = match node.get("type") {
        Some(t) => node_string(t),
        None if node.get("properties").is_some_and(|p| !p.is_null()) => "object".to_string(),
        None if node.len() == 1 && node.contains_key("enabled") => "object".to_string(),
        None => {
            return Err(Invalid::mapper(format!(
                "No type specified for field [{name}]"
            )));
        }
    };
    match type_name.as_str() {
        "object" => ObjectMapping::parse(name, node).map(Mapper::Object),
        "alias" => {
            let mut path = None;
            let mut unsupported = Vec::new();
            for (key, value) in node {
                match key.as_str() {
                    "type" => {}
                    "path" if !value.is_null() => path = Some(node_string(value)),
                    _ => unsupported.push((key, value)),
                }
            }
            let Some(path) = path else {
                return Err(Invalid::mapper(format!(
                    "The [path] property must be specified for field [{name}]."
                )));
            };
            if !unsupported.is_empty() {
                return Err(Invalid::mapper(format!(
                    "Mapping definition for [{name}] has unsupported parameters: {}",
                    remaining(unsupported)
                )));
            }
            Ok(Mapper::Alias(AliasMapping { path }))
        }
        other => match FieldType::from_name(other) {
            Some(field_type) => FieldMapping::parse(name, other, field_type, node, false)
                .map(|f| Mapper::Field(Box::new(f))),
            None => Err(Invalid::mapper(format!(
                "No handler for type [{other}] declared on field [{name}]"
            ))),
        },
    }
}
