//! Document-level security queries as roles carry them: templated queries
//! (`{"template":{"source":..,"params":..}}`, Mustache with the `_user` parameter) rendered
//! for the user a request acts as, as `SecurityQueryTemplateEvaluator` does, and the queries
//! Elasticsearch refuses inside a role (`DLSRoleQueryValidator`: terms lookups, `percolate`,
//! `has_child`, `has_parent`, geo-shape lookups).
//!
//! Mustache here is the subset role templates use: `{{var}}` (JSON-escaped), `{{{var}}}`
//! (raw), dotted paths, and the `toJson` and `join` lambdas; anything else is refused with a
//! clear error rather than rendered wrong.

use serde_json::{Map, Value, json};

use crate::Authentication;

/// Why a role query cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleQueryError {
    /// The query is not JSON, or its template is malformed.
    #[error("{0}")]
    Malformed(String),
    /// A query Elasticsearch refuses inside a role (`illegal_argument_exception`... texts).
    #[error("{0}")]
    Prohibited(String),
}

/// The `_user` parameter of a role template.
pub fn user_parameter(user: &Authentication) -> Value {
    json!({
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": user.roles,
        "metadata": user.metadata,
    })
}

/// The query a role's `query` text stands for when `user` makes the request: a template is
/// rendered with `_user` (and its own `params`); any other query is returned unchanged.
pub fn render(query: &str, user: &Authentication) -> Result<String, RoleQueryError> {
    let parsed: Value = serde_json::from_str(query)
        .map_err(|e| RoleQueryError::Malformed(format!("failed to parse role query: {e}")))?;
    let Some(template) = parsed.get("template") else {
        return Ok(query.to_string());
    };
    let (source, params) = match template {
        Value::String(s) => (s.clone(), Map::new()),
        Value::Object(t) => {
            if t.contains_key("id") {
                return Err(RoleQueryError::Malformed(
                    "stored scripts are not supported in role query templates; use [source]".into(),
                ));
            }
            let source = match t.get("source") {
                Some(Value::String(s)) => s.clone(),
                Some(v @ Value::Object(_)) => v.to_string(),
                _ => {
                    return Err(RoleQueryError::Malformed(
                        "role query template requires [source]".into(),
                    ));
                }
            };
            let params = match t.get("params") {
                Some(Value::Object(p)) => p.clone(),
                None => Map::new(),
                Some(_) => {
                    return Err(RoleQueryError::Malformed(
                        "role query template [params] must be an object".into(),
                    ));
                }
            };
            (source, params)
        }
        _ => {
            return Err(RoleQueryError::Malformed(
                "role query [template] must be an object or a string".into(),
            ));
        }
    };
    let mut context = params;
    context.insert("_user".into(), user_parameter(user));
    render_mustache(&source, &Value::Object(context))
}

/// Renders `template` against `context`.
fn render_mustache(template: &str, context: &Value) -> Result<String, RoleQueryError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(inner) = after.strip_prefix("{{{") {
            let end = inner.find("}}}").ok_or_else(|| unclosed(template))?;
            let value = lookup(context, inner[..end].trim());
            out.push_str(&plain_text(value));
            rest = &inner[end + 3..];
            continue;
        }
        let inner = &after[2..];
        let end = inner.find("}}").ok_or_else(|| unclosed(template))?;
        let tag = inner[..end].trim();
        rest = &inner[end + 2..];
        if let Some(section) = tag.strip_prefix('#') {
            let (lambda, delimiter) = parse_lambda(section)?;
            let close = format!("{{{{/{section}}}}}");
            let close_at = rest.find(&close).ok_or_else(|| {
                RoleQueryError::Malformed(format!(
                    "unclosed section [{section}] in role query template"
                ))
            })?;
            let path = rest[..close_at].trim();
            rest = &rest[close_at + close.len()..];
            let value = lookup(context, path);
            match lambda {
                "toJson" => out.push_str(&value.map(Value::to_string).unwrap_or_default()),
                _ => {
                    let joined = match value {
                        Some(Value::Array(items)) => items
                            .iter()
                            .map(|v| plain_text(Some(v)))
                            .collect::<Vec<_>>()
                            .join(delimiter),
                        other => plain_text(other),
                    };
                    out.push_str(&json_escape(&joined));
                }
            }
            continue;
        }
        if tag.starts_with(['/', '^', '!', '>', '&', '=']) {
            return Err(RoleQueryError::Malformed(format!(
                "unsupported mustache tag [{{{{{tag}}}}}] in role query template"
            )));
        }
        out.push_str(&json_escape(&plain_text(lookup(context, tag))));
    }
    out.push_str(rest);
    Ok(out)
}

fn unclosed(template: &str) -> RoleQueryError {
    RoleQueryError::Malformed(format!(
        "unclosed mustache tag in role query template [{template}]"
    ))
}

/// `toJson` or `join` (with an optional `delimiter='..'`).
fn parse_lambda(section: &str) -> Result<(&'static str, &str), RoleQueryError> {
    if section == "toJson" {
        return Ok(("toJson", ""));
    }
    if section == "join" {
        return Ok(("join", ","));
    }
    if let Some(rest) = section.strip_prefix("join delimiter=") {
        let delimiter = rest
            .strip_prefix('\'')
            .and_then(|r| r.strip_suffix('\''))
            .ok_or_else(|| {
                RoleQueryError::Malformed(format!("malformed join delimiter [{section}]"))
            })?;
        return Ok(("join", delimiter));
    }
    Err(RoleQueryError::Malformed(format!(
        "unsupported mustache section [{section}] in role query template"
    )))
}

/// The value at a dotted path (`.` is the context itself).
fn lookup<'a>(context: &'a Value, path: &str) -> Option<&'a Value> {
    if path == "." {
        return Some(context);
    }
    path.split('.').try_fold(context, |v, key| match v {
        Value::Object(m) => m.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// A value as Mustache prints it: strings as themselves, `null`/missing as nothing, others
/// as JSON.
fn plain_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Escapes text for inside a JSON string (the template's content type is JSON).
fn json_escape(text: &str) -> String {
    let quoted = Value::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// Refuses the queries Elasticsearch refuses inside a role, anywhere in the query tree.
/// Templated queries are checked after rendering (the caller renders them first).
pub fn validate(query: &Value) -> Result<(), RoleQueryError> {
    let Value::Object(container) = query else {
        return Ok(());
    };
    for (name, body) in container {
        match name.as_str() {
            "terms" => {
                if let Value::Object(fields) = body
                    && fields.values().any(Value::is_object)
                {
                    return Err(prohibited(
                        "terms query with terms lookup isn't supported as part of a role query",
                    ));
                }
            }
            "percolate" => {
                return Err(prohibited(
                    "percolate query isn't supported as part of a role query",
                ));
            }
            "has_child" => {
                return Err(prohibited(
                    "has_child query isn't supported as part of a role query",
                ));
            }
            "has_parent" => {
                return Err(prohibited(
                    "has_parent query isn't supported as part of a role query",
                ));
            }
            "geo_shape" => {
                if let Value::Object(fields) = body
                    && fields.values().any(|f| f.get("indexed_shape").is_some())
                {
                    return Err(prohibited(
                        "geoshape query referring to indexed shapes isn't supported as part of a role query",
                    ));
                }
            }
            "bool" => {
                if let Value::Object(clauses) = body {
                    for key in ["must", "should", "filter", "must_not"] {
                        match clauses.get(key) {
                            Some(Value::Array(items)) => items.iter().try_for_each(validate)?,
                            Some(one) => validate(one)?,
                            None => {}
                        }
                    }
                }
            }
            "dis_max" => {
                if let Some(Value::Array(items)) = body.get("queries") {
                    items.iter().try_for_each(validate)?;
                }
            }
            "constant_score" => {
                if let Some(filter) = body.get("filter") {
                    validate(filter)?;
                }
            }
            "boosting" => {
                for key in ["positive", "negative"] {
                    if let Some(q) = body.get(key) {
                        validate(q)?;
                    }
                }
            }
            "nested" | "function_score" | "script_score" => {
                if let Some(q) = body.get("query") {
                    validate(q)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn prohibited(reason: &str) -> RoleQueryError {
    RoleQueryError::Prohibited(reason.to_string())
}

#[cfg(test)]
#[path = "role_query_tests.rs"]
mod tests;
