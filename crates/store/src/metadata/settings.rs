//! Index settings as templates and create-index bodies carry them: `Settings.fromXContent`
//! (nested objects flattened to dotted keys, every value kept as a string, a list of strings
//! or null) followed by `normalizePrefix("index.")`, and rendered back nested (the default) or
//! flat (`flat_settings=true`). Validating what a setting means is the mapping module's job.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Result, StoreError};

/// Flat settings: dotted key → string, list of strings, or null (a reset).
pub type FlatSettings = BTreeMap<String, Value>;

/// The `index.` prefix every index setting carries once normalized.
const INDEX_PREFIX: &str = "index.";

/// Reads a settings object as `Settings.fromXContent` does, then prefixes keys with `index.`.
pub fn parse_settings(value: &Map<String, Value>) -> Result<FlatSettings> {
    let mut flat = FlatSettings::new();
    flatten_into(&mut flat, "", value)?;
    Ok(normalize_prefix(flat))
}

fn flatten_into(out: &mut FlatSettings, prefix: &str, map: &Map<String, Value>) -> Result<()> {
    for (key, value) in map {
        let full = format!("{prefix}{key}");
        let flat_value = match value {
            Value::Object(inner) => {
                flatten_into(out, &format!("{full}."), inner)?;
                continue;
            }
            Value::Null => Value::Null,
            Value::String(s) => Value::String(s.clone()),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Array(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in items {
                    list.push(Value::String(match item {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => {
                            return Err(StoreError::IllegalArgument(
                                "only value lists are allowed in serialized settings".into(),
                            ));
                        }
                    }));
                }
                Value::Array(list)
            }
        };
        if let Some(previous) = out.get(&full) {
            return Err(StoreError::IllegalArgument(format!(
                "duplicate settings key [{full}] found, previous value [{}], current value [{}]",
                display(previous),
                display(&flat_value)
            )));
        }
        out.insert(full, flat_value);
    }
    Ok(())
}

fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `Settings.Builder.normalizePrefix("index.")`: keys that neither start with the prefix nor
/// end with `*` get it.
pub fn normalize_prefix(settings: FlatSettings) -> FlatSettings {
    settings
        .into_iter()
        .map(|(k, v)| {
            if k.starts_with(INDEX_PREFIX) || k.ends_with('*') {
                (k, v)
            } else {
                (format!("{INDEX_PREFIX}{k}"), v)
            }
        })
        .collect()
}

/// The settings as `GET` shows them: flat (`{"index.number_of_shards":"1"}`) or nested by
/// dots (`{"index":{"number_of_shards":"1"}}`), keys sorted as Elasticsearch's `TreeMap`.
pub fn render_settings(settings: &FlatSettings, flat: bool) -> Value {
    if flat {
        return Value::Object(
            settings
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
    }
    let mut root = Map::new();
    for (key, value) in settings {
        insert_structured(&mut root, "", key, value.clone());
    }
    Value::Object(root)
}

/// `Settings.processSetting`: walks the dotted key into nested objects; where a plain value
/// already sits at a prefix, the rest of the key stays dotted under it.
fn insert_structured(map: &mut Map<String, Value>, prefix: &str, key: &str, value: Value) {
    match key.split_once('.') {
        None => {
            let full = format!("{prefix}{key}");
            if let Some(Value::Object(inner)) = map.remove(&full) {
                for (k, v) in inner {
                    map.insert(format!("{full}.{k}"), v);
                }
            }
            map.insert(full, value);
        }
        Some((head, rest)) => {
            let full = format!("{prefix}{head}");
            match map.get_mut(&full) {
                Some(Value::Object(inner)) => insert_structured(inner, "", rest, value),
                Some(_) => insert_structured(map, &format!("{full}."), rest, value),
                None => {
                    let mut inner = Map::new();
                    insert_structured(&mut inner, "", rest, value);
                    map.insert(full, Value::Object(inner));
                }
            }
        }
    }
}

/// The value of a boolean setting (`index.hidden`): `"true"`/`"false"`, anything else is
/// Elasticsearch's parse failure.
pub fn bool_setting(settings: &FlatSettings, key: &str) -> Result<Option<bool>> {
    match settings.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(other) => Err(StoreError::IllegalArgument(format!(
            "Failed to parse value [{}] as only [true] or [false] are allowed.",
            display(other)
        ))),
    }
}

/// A string setting's value, if set.
pub fn string_setting<'a>(settings: &'a FlatSettings, key: &str) -> Option<&'a str> {
    settings.get(key).and_then(Value::as_str)
}

/// The flat settings as a JSON map (the shape [`crate::api::CreateIndex`] takes).
pub fn to_json_map(settings: &FlatSettings) -> Map<String, Value> {
    settings
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
