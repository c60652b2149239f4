//! The raw settings tree: `shipper.yml` (Metricbeat's setting names), `-E key=value`
//! overrides and `${VAR}` / `${VAR:default}` references, merged into one JSON tree with dotted
//! keys expanded (`a.b: 1` and `a: {b: 1}` are the same setting, as in go-ucfg). Nothing here
//! knows what a setting means; [`crate::config`] validates names and values.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::{Error, Result};

/// Parses YAML text into a tree with dotted keys expanded. An empty document is `{}`.
pub(crate) fn parse_yaml(text: &str, origin: &str) -> Result<Value> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|e| Error::Yaml {
        origin: origin.to_string(),
        reason: e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string(),
    })?;
    match expand_dotted(value) {
        Value::Null => Ok(Value::Object(Map::new())),
        v @ Value::Object(_) => Ok(v),
        _ => Err(Error::Yaml {
            origin: origin.to_string(),
            reason: "the top level must be a map of settings".to_string(),
        }),
    }
}

/// Parses a module file (`modules.d/*.yml`): a list of module blocks.
pub(crate) fn parse_module_file(text: &str, origin: &str) -> Result<Vec<Value>> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Value = serde_saphyr::from_str(text).map_err(|e| Error::Yaml {
        origin: origin.to_string(),
        reason: e
            .to_string()
            .lines()
            .next()
            .unwrap_or("invalid YAML")
            .to_string(),
    })?;
    match expand_dotted(value) {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items),
        _ => Err(Error::Yaml {
            origin: origin.to_string(),
            reason: "a module file must be a list of module blocks (`- module: system`)"
                .to_string(),
        }),
    }
}

/// `{"a.b": 1}` → `{"a": {"b": 1}}`, recursively (lists included), merging siblings.
pub(crate) fn expand_dotted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Value::Object(Map::new());
            for (key, child) in map {
                let child = expand_dotted(child);
                merge_at(&mut out, &key.split('.').collect::<Vec<_>>(), child);
            }
            out
        }
        Value::Array(items) => Value::Array(items.into_iter().map(expand_dotted).collect()),
        other => other,
    }
}

/// Sets `path` under `root` to `value`, merging maps and replacing anything else.
fn merge_at(root: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        merge(root, value);
        return;
    };
    if !root.is_object() {
        *root = Value::Object(Map::new());
    }
    if let Value::Object(map) = root {
        let slot = map.entry((*first).to_string()).or_insert(Value::Null);
        merge_at(slot, rest, value);
    }
}

/// Deep merge: maps merge key by key, anything else replaces.
pub(crate) fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Applies one `-E key=value` flag; the value is YAML (`-E 'output.elasticsearch.hosts=["h:9200"]'`).
pub(crate) fn apply_override(root: &mut Value, flag: &str) -> Result<()> {
    let (key, text) = flag.split_once('=').ok_or_else(|| Error::Yaml {
        origin: format!("-E [{flag}]"),
        reason: "expected key=value".to_string(),
    })?;
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::Yaml {
            origin: format!("-E [{flag}]"),
            reason: "the key is empty".to_string(),
        });
    }
    let value = structured_or_string(text);
    merge_at(root, &key.split('.').collect::<Vec<_>>(), value);
    Ok(())
}

/// A list or map written in YAML (`[a, b]`, `{k: v}`) is parsed; anything else stays the text
/// it is (quotes removed), so a password such as `1e5` or `0123` is never turned into a
/// number. The typed getters of [`crate::config`] parse numbers, booleans and durations from
/// text.
fn structured_or_string(text: &str) -> Value {
    let trimmed = text.trim();
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(v) = serde_saphyr::from_str::<Value>(trimmed)
    {
        return expand_dotted(v);
    }
    let unquoted = if trimmed.len() >= 2
        && ((trimmed.starts_with('"') && trimmed.ends_with('"'))
            || (trimmed.starts_with('\'') && trimmed.ends_with('\'')))
    {
        &trimmed[1..trimmed.len() - 1]
    } else {
        text
    };
    Value::String(unquoted.to_string())
}

/// Replaces `${VAR}` and `${VAR:default}` in every string of the tree with the environment's
/// value (or the default). A string that is exactly one reference to a YAML list
/// (`HOSTS='["a:9200","b:9200"]'`) takes the list.
pub(crate) fn resolve_variables(value: &mut Value, env: &HashMap<String, String>) -> Result<()> {
    resolve_at(value, env, &mut Vec::new())
}

fn resolve_at(
    value: &mut Value,
    env: &HashMap<String, String>,
    path: &mut Vec<String>,
) -> Result<()> {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                resolve_at(v, env, path)?;
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                resolve_at(v, env, path)?;
                path.pop();
            }
        }
        Value::String(text) if text.contains("${") => {
            let key = path.join(".");
            let whole =
                text.starts_with("${") && text.ends_with('}') && text.matches("${").count() == 1;
            let resolved = interpolate(text, env, &key)?;
            *value = if whole {
                structured_or_string(&resolved)
            } else {
                Value::String(resolved)
            };
        }
        _ => {}
    }
    Ok(())
}

fn interpolate(text: &str, env: &HashMap<String, String>, key: &str) -> Result<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let reference = &after[..end];
        let (name, default) = match reference.split_once(':') {
            Some((n, d)) => (n, Some(d)),
            None => (reference, None),
        };
        match (env.get(name), default) {
            (Some(v), _) => out.push_str(v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => {
                return Err(Error::MissingVariable {
                    key: key.to_string(),
                    var: name.to_string(),
                });
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every leaf of the tree as a dotted key (lists and empty maps are leaves), in order.
pub(crate) fn leaf_keys(value: &Value) -> Vec<String> {
    fn walk(value: &Value, prefix: &str, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(v, &key, out);
                }
            }
            _ => out.push(prefix.to_string()),
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out.retain(|k| !k.is_empty());
    out
}

/// The value at a dotted key.
pub(crate) fn get<'a>(root: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.')
        .try_fold(root, |v, part| v.get(part))
        .filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn dotted_and_nested_keys_are_the_same_setting() {
        let v = parse_yaml(
            "output.elasticsearch.hosts: [\"a:9200\"]\noutput:\n  elasticsearch:\n    username: u\n",
            "f",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"output": {"elasticsearch": {"hosts": ["a:9200"], "username": "u"}}})
        );
        assert_eq!(
            leaf_keys(&v),
            vec![
                "output.elasticsearch.hosts",
                "output.elasticsearch.username"
            ]
        );
    }

    #[test]
    fn overrides_win_over_the_file_and_are_yaml() {
        let mut v = parse_yaml("output.elasticsearch:\n  hosts: [a]\n  worker: 1\n", "f").unwrap();
        apply_override(&mut v, "output.elasticsearch.hosts=[\"https://b:9200\"]").unwrap();
        apply_override(&mut v, "output.elasticsearch.worker=2").unwrap();
        assert_eq!(
            get(&v, "output.elasticsearch.hosts").unwrap(),
            &json!(["https://b:9200"])
        );
        assert_eq!(get(&v, "output.elasticsearch.worker").unwrap(), &json!("2"));
        apply_override(&mut v, "output.elasticsearch.password=0123").unwrap();
        assert_eq!(
            get(&v, "output.elasticsearch.password").unwrap(),
            &json!("0123")
        );
        apply_override(&mut v, "output.elasticsearch.username='quoted'").unwrap();
        assert_eq!(
            get(&v, "output.elasticsearch.username").unwrap(),
            &json!("quoted")
        );
        assert!(apply_override(&mut v, "novalue").is_err());
        assert!(apply_override(&mut v, "=x").is_err());
    }

    #[test]
    fn variables_with_defaults_and_list_references() {
        let mut v = json!({"a": "${USER_X}", "b": "pre-${MISSING:dflt}-post", "c": "${PWD_X}",
                           "d": ["${USER_X}"], "e": "${HOSTS}"});
        let vars = env(&[
            ("USER_X", "writer"),
            ("PWD_X", "1e5"),
            ("HOSTS", "[\"a:9200\", \"b:9200\"]"),
        ]);
        resolve_variables(&mut v, &vars).unwrap();
        assert_eq!(
            v,
            json!({"a": "writer", "b": "pre-dflt-post", "c": "1e5", "d": ["writer"],
                   "e": ["a:9200", "b:9200"]})
        );
        let mut missing = json!({"output": {"elasticsearch": {"password": "${ES_PWD}"}}});
        let e = resolve_variables(&mut missing, &env(&[]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ES_PWD") && e.contains("output.elasticsearch.password"),
            "{e}"
        );
    }

    #[test]
    fn malformed_yaml_names_its_origin() {
        let e = parse_yaml("a: [\n", "shipper.yml").unwrap_err().to_string();
        assert!(e.contains("shipper.yml"), "{e}");
        assert!(parse_yaml("- a\n", "f").is_err());
        assert_eq!(parse_yaml("", "f").unwrap(), json!({}));
        assert!(parse_module_file("module: system\n", "m.yml").is_err());
        assert_eq!(
            parse_module_file("- module: system\n  period: 10s\n", "m.yml")
                .unwrap()
                .len(),
            1
        );
    }
}
