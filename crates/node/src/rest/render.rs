//! Rendering JSON the way Elasticsearch does: `?filter_path` (with `*`, `**` and `-`
//! exclusions) and `?pretty` (Jackson's default pretty printer: `"key" : value`, two-space
//! indent, `[ ]`/`{ }` for empties, trailing newline).

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Name(String),
    AnyDepth,
}

/// A parsed `filter_path` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FilterPath {
    includes: Vec<Vec<Segment>>,
    excludes: Vec<Vec<Segment>>,
}

fn parse_path(path: &str) -> Vec<Segment> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s == "**" {
                Segment::AnyDepth
            } else {
                Segment::Name(s.to_string())
            }
        })
        .collect()
}

fn name_matches(pattern: &str, key: &str) -> bool {
    ironstack_types::privilege::wildcard_match(pattern, key)
}

/// The filters that remain after descending into `key`; an empty filter means "matched".
fn advance(filters: &[Vec<Segment>], key: &str) -> Vec<Vec<Segment>> {
    let mut out = Vec::new();
    for f in filters {
        let mut stack = vec![f.as_slice()];
        while let Some(f) = stack.pop() {
            match f.first() {
                None => out.push(Vec::new()),
                Some(Segment::AnyDepth) => {
                    // `**` matches this key and stays for deeper keys, or matches nothing.
                    out.push(f.to_vec());
                    stack.push(&f[1..]);
                }
                Some(Segment::Name(p)) => {
                    if name_matches(p, key) {
                        out.push(f[1..].to_vec());
                    }
                }
            }
        }
    }
    out
}

impl FilterPath {
    /// Parses `a.b,-c.*,**.d`; `None` when the parameter is absent or empty.
    pub(crate) fn parse(param: &str) -> Option<Self> {
        let mut fp = Self::default();
        for part in param.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.strip_prefix('-') {
                Some(ex) => fp.excludes.push(parse_path(ex)),
                None => fp.includes.push(parse_path(part)),
            }
        }
        (!fp.includes.is_empty() || !fp.excludes.is_empty()).then_some(fp)
    }

    /// Applies the filter; a body with nothing left is `{}`, as in Elasticsearch.
    pub(crate) fn apply(&self, value: Value) -> Value {
        let included = if self.includes.is_empty() {
            Some(value)
        } else {
            include(value, &self.includes)
        };
        let result = match included {
            Some(v) if !self.excludes.is_empty() => exclude(v, &self.excludes),
            other => other,
        };
        result.unwrap_or_else(|| Value::Object(Map::new()))
    }
}

fn include(value: Value, filters: &[Vec<Segment>]) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let next = advance(filters, &k);
                if next.is_empty() {
                    continue;
                }
                if next.iter().any(Vec::is_empty) {
                    out.insert(k, v);
                } else if let Some(v) = include(v, &next) {
                    out.insert(k, v);
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let out: Vec<Value> = items
                .into_iter()
                .filter_map(|v| include(v, filters))
                .collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        _ => None,
    }
}

fn exclude(value: Value, filters: &[Vec<Segment>]) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let next = advance(filters, &k);
                if next.iter().any(Vec::is_empty) {
                    continue;
                }
                if next.is_empty() {
                    out.insert(k, v);
                } else if let Some(v) = exclude(v, &next) {
                    out.insert(k, v);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => Some(Value::Array(
            items
                .into_iter()
                .filter_map(|v| exclude(v, filters))
                .collect(),
        )),
        other => Some(other),
    }
}

/// Serialises like Jackson's default pretty printer, which Elasticsearch uses for `?pretty`.
pub(crate) fn to_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_pretty(value: &Value, depth: usize, out: &mut String) {
    let indent = |n: usize, out: &mut String| out.extend(std::iter::repeat_n("  ", n));
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (k, v)) in map.iter().enumerate() {
                indent(depth + 1, out);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(" : ");
                write_pretty(v, depth + 1, out);
                if i + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                indent(depth + 1, out);
                write_pretty(v, depth + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "name": "n1",
            "cluster_name": "c",
            "version": {"number": "9.1.0", "build_flavor": "default"},
            "nodes": [{"id": "a", "ip": "1"}, {"id": "b", "ip": "2"}],
            "tagline": "You Know, for Search"
        })
    }

    #[test]
    fn includes_with_wildcards_and_any_depth() {
        let f = FilterPath::parse("name,version.num*").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "version": {"number": "9.1.0"}})
        );
        let f = FilterPath::parse("**.ip").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"nodes": [{"ip": "1"}, {"ip": "2"}]})
        );
        let f = FilterPath::parse("*name").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "cluster_name": "c"})
        );
        assert_eq!(
            FilterPath::parse("nothing").unwrap().apply(sample()),
            json!({})
        );
    }

    #[test]
    fn exclusions_and_mixed() {
        let f = FilterPath::parse("-version,-nodes.ip,-tagline").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "cluster_name": "c", "nodes": [{"id": "a"}, {"id": "b"}]})
        );
        let f = FilterPath::parse("version,-version.build_flavor").unwrap();
        assert_eq!(f.apply(sample()), json!({"version": {"number": "9.1.0"}}));
        assert!(FilterPath::parse(" , ").is_none());
    }

    #[test]
    fn pretty_matches_jackson() {
        let v = json!({"a": 1, "b": {"c": [1, "x"]}, "d": [], "e": {}});
        assert_eq!(
            to_pretty(&v),
            "{\n  \"a\" : 1,\n  \"b\" : {\n    \"c\" : [\n      1,\n      \"x\"\n    ]\n  },\n  \"d\" : [ ],\n  \"e\" : { }\n}\n"
        );
    }
}
