//! Processors (`processors:` at the top level and in module blocks), as libbeat runs them on
//! each event before it is queued: `drop_event`, `drop_fields`, `include_fields`,
//! `add_fields`, `add_tags`, and `add_host_metadata` (always on here), each with an optional
//! `when` condition (`equals`, `contains`, `regexp`, `range`, `has_fields`, `and`, `or`,
//! `not`). Other processors are refused by name as not supported yet.

use regex::Regex;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// A `when` condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// `equals: {field: value}` (all pairs must hold).
    Equals(Vec<(String, Value)>),
    /// `contains: {field: substring}`.
    Contains(Vec<(String, String)>),
    /// `regexp: {field: pattern}` (unanchored, as Go's `MatchString`).
    Regexp(Vec<(String, Regex)>),
    /// `range: {field.gte: 1, field.lt: 5}`.
    Range(Vec<(String, String, f64)>),
    /// `has_fields: [a, b]`.
    HasFields(Vec<String>),
    /// `and: [...]`.
    And(Vec<Condition>),
    /// `or: [...]`.
    Or(Vec<Condition>),
    /// `not: {...}`.
    Not(Box<Condition>),
}

/// One processor.
#[derive(Debug, Clone)]
pub enum Processor {
    /// Drops the whole event.
    DropEvent(Option<Condition>),
    /// Removes fields (`@timestamp` and `type` are kept, as in libbeat).
    DropFields {
        /// Dotted names.
        fields: Vec<String>,
        /// Condition.
        when: Option<Condition>,
    },
    /// Keeps only these fields (plus `@timestamp`).
    IncludeFields {
        /// Dotted names.
        fields: Vec<String>,
        /// Condition.
        when: Option<Condition>,
    },
    /// Adds fields under `target` (default `fields`; empty = the root).
    AddFields {
        /// Where.
        target: String,
        /// What.
        fields: Value,
        /// Condition.
        when: Option<Condition>,
    },
    /// Appends to `tags` (or `target`).
    AddTags {
        /// Where.
        target: String,
        /// What.
        tags: Vec<String>,
        /// Condition.
        when: Option<Condition>,
    },
    /// Host metadata: always added by the shipper, so nothing to do.
    AddHostMetadata,
    /// One `output.elasticsearch.indices` rule, run after every processor: the first rule
    /// whose condition holds names the event's index (`@metadata.index`), unless the event
    /// already has one (the `elasticsearch` module's monitoring documents).
    RouteToIndex {
        /// The index or data stream.
        index: String,
        /// Condition (none: always).
        when: Option<Condition>,
    },
}

/// `output.elasticsearch.indices`: a list of `{index, when}` rules, as routing processors.
pub fn parse_index_rules(v: &Value, origin: &str) -> Result<Vec<Processor>> {
    let Value::Array(items) = v else {
        return Err(invalid(origin, "expected a list of {index, when} rules"));
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(map) = item else {
                return Err(invalid(
                    origin,
                    "each rule is a map with index and an optional when",
                ));
            };
            for key in map.keys() {
                if key != "index" && key != "when" {
                    return Err(Error::NotSupportedYet {
                        key: format!("output.elasticsearch.indices.{key}"),
                        origin: origin.to_string(),
                    });
                }
            }
            let index = map
                .get("index")
                .and_then(Value::as_str)
                .filter(|i| !i.trim().is_empty())
                .ok_or_else(|| invalid(origin, "a rule without an index"))?;
            let index = index.replace("%{[agent.version]}", crate::config::VERSION);
            if index.contains("%{") {
                return Err(Error::FeatureNotSupportedYet {
                    what: format!(
                        "the index format [{index}] (only %{{[agent.version]}} is expanded)"
                    ),
                    origin: origin.to_string(),
                });
            }
            let when = map
                .get("when")
                .map(|w| parse_condition(w, origin))
                .transpose()?;
            Ok(Processor::RouteToIndex {
                index: index.to_ascii_lowercase(),
                when,
            })
        })
        .collect()
}

fn invalid(origin: &str, reason: impl Into<String>) -> Error {
    Error::InvalidValue {
        key: format!("processors in {origin}"),
        reason: reason.into(),
    }
}

fn field_value_pairs(v: &Value, origin: &str, what: &str) -> Result<Vec<(String, Value)>> {
    let map = v
        .as_object()
        .ok_or_else(|| invalid(origin, format!("[{what}] expects a map of fields")))?;
    Ok(flatten(map, ""))
}

/// `{a: {b: 1}}` and `{"a.b": 1}` both name field `a.b`.
fn flatten(map: &Map<String, Value>, prefix: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in map {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if !inner.is_empty() => out.extend(flatten(inner, &key)),
            other => out.push((key, other.clone())),
        }
    }
    out
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses a condition.
pub fn parse_condition(v: &Value, origin: &str) -> Result<Condition> {
    let map = v
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(|| invalid(origin, "a condition is a map with exactly one operator"))?;
    let Some((op, arg)) = map.iter().next() else {
        return Err(invalid(origin, "empty condition"));
    };
    let list = |arg: &Value| -> Result<Vec<Condition>> {
        arg.as_array()
            .ok_or_else(|| invalid(origin, format!("[{op}] expects a list of conditions")))?
            .iter()
            .map(|c| parse_condition(c, origin))
            .collect()
    };
    Ok(match op.as_str() {
        "equals" => Condition::Equals(field_value_pairs(arg, origin, op)?),
        "contains" => Condition::Contains(
            field_value_pairs(arg, origin, op)?
                .into_iter()
                .map(|(f, v)| {
                    as_text(&v)
                        .map(|t| (f, t))
                        .ok_or_else(|| invalid(origin, "[contains] expects text"))
                })
                .collect::<Result<_>>()?,
        ),
        "regexp" => Condition::Regexp(
            field_value_pairs(arg, origin, op)?
                .into_iter()
                .map(|(f, v)| {
                    let pattern =
                        as_text(&v).ok_or_else(|| invalid(origin, "[regexp] expects a pattern"))?;
                    Regex::new(&pattern)
                        .map(|r| (f, r))
                        .map_err(|e| invalid(origin, format!("bad regexp [{pattern}]: {e}")))
                })
                .collect::<Result<_>>()?,
        ),
        "range" => Condition::Range(
            field_value_pairs(arg, origin, op)?
                .into_iter()
                .map(|(f, v)| {
                    let (field, cmp) = f
                        .rsplit_once('.')
                        .filter(|(_, c)| ["gt", "gte", "lt", "lte"].contains(c))
                        .ok_or_else(|| {
                            invalid(
                                origin,
                                format!("[range] needs field.gt|gte|lt|lte, got [{f}]"),
                            )
                        })?;
                    let n = v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        .ok_or_else(|| invalid(origin, "[range] expects numbers"))?;
                    Ok((field.to_string(), cmp.to_string(), n))
                })
                .collect::<Result<_>>()?,
        ),
        "has_fields" => Condition::HasFields(
            arg.as_array()
                .ok_or_else(|| invalid(origin, "[has_fields] expects a list"))?
                .iter()
                .map(|f| as_text(f).ok_or_else(|| invalid(origin, "[has_fields] expects names")))
                .collect::<Result<_>>()?,
        ),
        "and" => Condition::And(list(arg)?),
        "or" => Condition::Or(list(arg)?),
        "not" => Condition::Not(Box::new(parse_condition(arg, origin)?)),
        "network" | "equals.field" => {
            return Err(Error::FeatureNotSupportedYet {
                what: format!("condition [{op}]"),
                origin: origin.to_string(),
            });
        }
        other => return Err(invalid(origin, format!("unknown condition [{other}]"))),
    })
}

fn lookup<'a>(doc: &'a Value, field: &str) -> Option<&'a Value> {
    field.split('.').try_fold(doc, |v, part| v.get(part))
}

impl Condition {
    /// Whether `doc` satisfies the condition.
    pub fn matches(&self, doc: &Value) -> bool {
        match self {
            Condition::Equals(pairs) => pairs.iter().all(|(f, want)| {
                lookup(doc, f).is_some_and(|got| {
                    got == want || (as_text(got).is_some() && as_text(got) == as_text(want))
                })
            }),
            Condition::Contains(pairs) => pairs.iter().all(|(f, sub)| match lookup(doc, f) {
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|i| as_text(i).is_some_and(|t| t.contains(sub.as_str()))),
                Some(v) => as_text(v).is_some_and(|t| t.contains(sub.as_str())),
                None => false,
            }),
            Condition::Regexp(pairs) => pairs.iter().all(|(f, re)| {
                lookup(doc, f)
                    .and_then(as_text)
                    .is_some_and(|t| re.is_match(&t))
            }),
            Condition::Range(checks) => checks.iter().all(|(f, cmp, n)| {
                lookup(doc, f)
                    .and_then(Value::as_f64)
                    .is_some_and(|v| match cmp.as_str() {
                        "gt" => v > *n,
                        "gte" => v >= *n,
                        "lt" => v < *n,
                        _ => v <= *n,
                    })
            }),
            Condition::HasFields(fields) => fields.iter().all(|f| lookup(doc, f).is_some()),
            Condition::And(all) => all.iter().all(|c| c.matches(doc)),
            Condition::Or(any) => any.iter().any(|c| c.matches(doc)),
            Condition::Not(c) => !c.matches(doc),
        }
    }
}

/// Parses a `processors:` list.
pub fn parse_list(v: &Value, origin: &str) -> Result<Vec<Processor>> {
    let items = v
        .as_array()
        .ok_or_else(|| invalid(origin, "expected a list of processors"))?;
    items.iter().map(|item| parse_one(item, origin)).collect()
}

fn parse_one(item: &Value, origin: &str) -> Result<Processor> {
    let map = item
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(|| invalid(origin, "each processor is a map with one processor name"))?;
    let Some((name, config)) = map.iter().next() else {
        return Err(invalid(origin, "empty processor"));
    };
    let empty = Value::Object(Map::new());
    let config = if config.is_null() { &empty } else { config };
    let when = match config.get("when") {
        Some(c) => Some(parse_condition(c, origin)?),
        None => None,
    };
    let names = |key: &str| -> Result<Vec<String>> {
        match config.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|f| {
                    as_text(f)
                        .ok_or_else(|| invalid(origin, format!("[{name}.{key}] expects names")))
                })
                .collect(),
            Some(v) => as_text(v)
                .map(|t| vec![t])
                .ok_or_else(|| invalid(origin, format!("[{name}.{key}] expects names"))),
            None => Ok(Vec::new()),
        }
    };
    let allowed = |keys: &[&str]| -> Result<()> {
        if let Some(obj) = config.as_object() {
            for k in obj.keys() {
                if !keys.contains(&k.as_str()) && k != "when" {
                    return Err(Error::UnknownSetting {
                        key: format!("processors.{name}.{k}"),
                        origin: origin.to_string(),
                    });
                }
            }
        }
        Ok(())
    };
    Ok(match name.as_str() {
        "drop_event" => {
            allowed(&[])?;
            Processor::DropEvent(when)
        }
        "drop_fields" => {
            allowed(&["fields", "ignore_missing"])?;
            Processor::DropFields {
                fields: names("fields")?,
                when,
            }
        }
        "include_fields" => {
            allowed(&["fields"])?;
            Processor::IncludeFields {
                fields: names("fields")?,
                when,
            }
        }
        "add_fields" => {
            allowed(&["fields", "target"])?;
            Processor::AddFields {
                target: config
                    .get("target")
                    .and_then(as_text)
                    .unwrap_or_else(|| "fields".to_string()),
                fields: config
                    .get("fields")
                    .cloned()
                    .ok_or_else(|| invalid(origin, "[add_fields] needs fields"))?,
                when,
            }
        }
        "add_tags" => {
            allowed(&["tags", "target"])?;
            Processor::AddTags {
                target: config
                    .get("target")
                    .and_then(as_text)
                    .unwrap_or_else(|| "tags".to_string()),
                tags: names("tags")?,
                when,
            }
        }
        // The shipper always adds the host metadata this processor would add (Metricbeat's
        // default `metricbeat.yml` lists it with `when.not.contains.tags: forwarded`, which is
        // accepted and has no effect); its options (netinfo, geo, cache) are not implemented.
        "add_host_metadata"
            if config
                .as_object()
                .is_none_or(|m| m.keys().all(|k| k == "when")) =>
        {
            Processor::AddHostMetadata
        }
        other => {
            return Err(Error::FeatureNotSupportedYet {
                what: format!("processor [{other}]"),
                origin: origin.to_string(),
            });
        }
    })
}

fn remove(doc: &mut Value, field: &str) {
    let Some((parent, last)) = field.rsplit_once('.') else {
        if let Some(m) = doc.as_object_mut() {
            m.remove(field);
        }
        return;
    };
    let mut node = doc;
    for part in parent.split('.') {
        match node.get_mut(part) {
            Some(n) => node = n,
            None => return,
        }
    }
    if let Some(m) = node.as_object_mut() {
        m.remove(last);
    }
}

fn set(doc: &mut Value, field: &str, value: Value) {
    let mut node = doc;
    let parts: Vec<&str> = field.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let Some(map) = node.as_object_mut() else {
            return;
        };
        if i + 1 == parts.len() {
            map.insert((*part).to_string(), value);
            return;
        }
        node = map
            .entry((*part).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
    }
}

/// Runs the processors in order; `false` when the event is dropped.
pub fn apply(processors: &[Processor], doc: &mut Value) -> bool {
    for p in processors {
        let applies =
            |when: &Option<Condition>, doc: &Value| when.as_ref().is_none_or(|c| c.matches(doc));
        match p {
            Processor::RouteToIndex { index, when } => {
                if lookup(doc, "@metadata.index").is_none() && applies(when, doc) {
                    set(doc, "@metadata.index", Value::String(index.clone()));
                }
            }
            Processor::DropEvent(when) => {
                if applies(when, doc) {
                    return false;
                }
            }
            Processor::DropFields { fields, when } => {
                if applies(when, doc) {
                    for f in fields.iter().filter(|f| *f != "@timestamp" && *f != "type") {
                        remove(doc, f);
                    }
                }
            }
            Processor::IncludeFields { fields, when } => {
                if applies(when, doc) {
                    let mut kept = Value::Object(Map::new());
                    for f in fields.iter().map(String::as_str).chain(["@timestamp"]) {
                        if let Some(v) = lookup(doc, f) {
                            set(&mut kept, f, v.clone());
                        }
                    }
                    *doc = kept;
                }
            }
            Processor::AddFields {
                target,
                fields,
                when,
            } => {
                if applies(when, doc) {
                    if target.is_empty() {
                        crate::settings::merge(doc, fields.clone());
                    } else {
                        let mut wrapped = Value::Object(Map::new());
                        set(&mut wrapped, target, fields.clone());
                        crate::settings::merge(doc, wrapped);
                    }
                }
            }
            Processor::AddTags { target, tags, when } => {
                if applies(when, doc) {
                    let mut all: Vec<Value> = lookup(doc, target)
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    all.extend(tags.iter().map(|t| Value::String(t.clone())));
                    set(doc, target, Value::Array(all));
                }
            }
            Processor::AddHostMetadata => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn procs(yaml: &str) -> Result<Vec<Processor>> {
        let v: Value = serde_saphyr::from_str(yaml).unwrap();
        parse_list(&v, "[test]")
    }

    #[test]
    fn metricbeats_default_filesystem_drop_event() {
        let p = procs(
            "- drop_event.when.regexp:\n    system.filesystem.mount_point: '^/(sys|cgroup|proc|dev|etc|host|lib|snap)($|/)'\n",
        );
        // The dotted processor key is expanded by the settings loader; here it is given nested.
        assert!(p.is_err(), "dotted keys are expanded before parsing");
        let v = crate::settings::expand_dotted(
            serde_saphyr::from_str(
                "- drop_event.when.regexp:\n    system.filesystem.mount_point: '^/(sys|cgroup|proc|dev|etc|host|lib|snap)($|/)'\n",
            )
            .unwrap(),
        );
        let p = parse_list(&v, "[t]").unwrap();
        let mut sys = json!({"system": {"filesystem": {"mount_point": "/sys/fs/cgroup"}}});
        let mut data = json!({"system": {"filesystem": {"mount_point": "/data"}}});
        assert!(!apply(&p, &mut sys));
        assert!(apply(&p, &mut data));
    }

    #[test]
    fn conditions_and_field_processors() {
        let v = crate::settings::expand_dotted(serde_saphyr::from_str(r#"
- drop_fields: {fields: ["host.os", "agent.ephemeral_id"], when: {equals: {metricset.name: cpu}}}
- add_fields: {target: project, fields: {name: ironstack, id: 7}}
- add_tags: {tags: [prod], when: {and: [{range: {system.cpu.cores.gte: 2}}, {not: {has_fields: [error]}}]}}
- drop_event: {when: {or: [{contains: {host.name: test}}, {equals: {event.dataset: system.load}}]}}
- add_host_metadata: ~
"#).unwrap());
        let p = parse_list(&v, "[t]").unwrap();
        let mut doc = json!({"@timestamp": "t", "metricset": {"name": "cpu"}, "event": {"dataset": "system.cpu"},
            "host": {"name": "web-1", "os": {"type": "linux"}}, "agent": {"ephemeral_id": "e", "id": "i"},
            "system": {"cpu": {"cores": 4}}});
        assert!(apply(&p, &mut doc));
        assert!(doc["host"].get("os").is_none() && doc["agent"].get("ephemeral_id").is_none());
        assert_eq!(doc["agent"]["id"], "i");
        assert_eq!(doc["project"], json!({"name": "ironstack", "id": 7}));
        assert_eq!(doc["tags"], json!(["prod"]));
        let mut load = json!({"event": {"dataset": "system.load"}, "host": {"name": "web-1"}});
        assert!(!apply(&p, &mut load));
        let mut keep = json!({"@timestamp": "t", "a": {"b": 1, "c": 2}, "d": 3});
        let inc = parse_list(&json!([{"include_fields": {"fields": ["a.b"]}}]), "[t]").unwrap();
        assert!(apply(&inc, &mut keep));
        assert_eq!(keep, json!({"@timestamp": "t", "a": {"b": 1}}));
    }

    #[test]
    fn unsupported_and_bad_processors_are_named() {
        let e = procs("- add_cloud_metadata: ~\n").unwrap_err().to_string();
        assert!(
            e.contains("processor [add_cloud_metadata]") && e.contains("not supported yet"),
            "{e}"
        );
        let e = procs("- drop_event: {when: {regexp: {a: '('}}}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad regexp"), "{e}");
        let e = procs("- drop_fields: {fieldz: [a]}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("processors.drop_fields.fieldz"), "{e}");
        let e = procs("- drop_event: {when: {sometimes: {}}}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown condition [sometimes]"), "{e}");
        assert!(procs("- add_host_metadata: {netinfo.enabled: true}\n").is_err());
        let default_yml = "- add_host_metadata:\n    when: {not: {contains: {tags: forwarded}}}\n";
        assert!(matches!(
            procs(default_yml).unwrap()[0],
            Processor::AddHostMetadata
        ));
    }

    #[test]
    fn index_rules_route_the_first_match_and_keep_an_events_own_index() {
        let v: Value = serde_saphyr::from_str(
            "- index: \"warnings-%{[agent.version]}\"\n  when.contains:\n    message: WARN\n- index: \"errors\"\n  when.equals:\n    level: error\n- index: \"Everything-Else\"\n",
        )
        .unwrap();
        // The configuration loader nests dotted keys, in lists too.
        let rules = parse_index_rules(&crate::settings::expand_dotted(v), "[indices]").unwrap();
        let route = |mut doc: Value| {
            assert!(apply(&rules, &mut doc));
            doc["@metadata"]["index"].clone()
        };
        assert_eq!(
            route(json!({"message": "a WARN line", "level": "error"})),
            json!(format!("warnings-{}", crate::config::VERSION))
        );
        assert_eq!(route(json!({"level": "error"})), json!("errors"));
        assert_eq!(route(json!({"level": "info"})), json!("everything-else"));
        // The monitoring documents keep the index their module gave them.
        assert_eq!(
            route(json!({"@metadata": {"index": ".monitoring-es-8-mb"}, "level": "error"})),
            json!(".monitoring-es-8-mb")
        );
        for (bad, why) in [
            ("- index: x\n  mappings: {a: b}\n", "not supported yet"),
            ("- when.equals: {a: 1}\n", "without an index"),
            ("- index: \"x-%{[host.name]}\"\n", "only %{[agent.version]}"),
            ("index: x\n", "expected a list"),
        ] {
            let v: Value = serde_saphyr::from_str(bad).unwrap();
            let e = parse_index_rules(&crate::settings::expand_dotted(v), "[indices]")
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
