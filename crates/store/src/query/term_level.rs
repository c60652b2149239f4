//! The term-level queries, read as Elasticsearch's builders read them: `term`, `terms`,
//! `range` (with the legacy `from`/`to`/`include_lower`/`include_upper`), `exists`, `prefix`,
//! `wildcard`, `regexp` and `ids`, in their short (`{"term":{"f":"v"}}`) and long
//! (`{"term":{"f":{"value":"v","boost":2}}}`) forms.

use crate::StoreError;
use crate::query::node::{Kind, Node, illegal, parsing, unknown_field};
use crate::query::parse::{
    FieldType, check_boost, check_type, multiple_fields, object_field, standard_object_field,
};
use crate::query::{Query, RangeQuery, Scalar};

/// `objectBytes()` as a term: scalars as they are; an object or array becomes its JSON text,
/// the bytes Elasticsearch would search for.
fn term_value(node: &Node) -> Option<Scalar> {
    match &node.kind {
        Kind::Array(_) | Kind::Object(_) => Some(Scalar::String(node.to_value().to_string())),
        _ => node.scalar().ok().flatten(),
    }
}

/// `BaseTermQueryBuilder`'s checks.
fn require_field_and_value<T>(
    field: Option<String>,
    value: Option<T>,
) -> Result<(String, T), StoreError> {
    let field = field
        .filter(|f| !f.is_empty())
        .ok_or_else(|| illegal("field name is null or empty"))?;
    let value = value.ok_or_else(|| illegal("value cannot be null"))?;
    Ok((field, value))
}

pub(crate) fn parse_term(body: &Node) -> Result<Query, StoreError> {
    let mut field_name: Option<String> = None;
    let mut value = None;
    let mut boost = 1.0;
    let mut case_insensitive = false;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Object(inner) => {
                multiple_fields("term", v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                for option in inner {
                    let o = &option.value;
                    match option.key.as_str() {
                        "term" => value = term_value(o),
                        "value" => {
                            if matches!(o.kind, Kind::Array(_)) {
                                return Err(parsing(
                                    o.at,
                                    "[term] query does not support arrays for value - use a bool query with multiple term clauses in the should section or use a Terms query if scoring is not required",
                                ));
                            }
                            value = term_value(o);
                        }
                        "_name" => {
                            o.text()?;
                        }
                        "boost" => boost = o.float_value()?,
                        "case_insensitive" => case_insensitive = o.bool_value()?,
                        other => {
                            return Err(parsing(
                                o.at,
                                format!("[term] query does not support [{other}]"),
                            ));
                        }
                    }
                }
            }
            Kind::Array(_) => {
                return Err(parsing(
                    v.at,
                    "[term] query does not support array of values",
                ));
            }
            _ => {
                multiple_fields("term", v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                value = term_value(v);
            }
        }
    }
    let (field, value) = require_field_and_value(field_name, value)?;
    let boost = check_boost(boost, "term", body)?;
    Ok(Query::Term {
        field,
        value,
        case_insensitive,
        boost,
    })
}

pub(crate) fn parse_terms(body: &Node) -> Result<Query, StoreError> {
    let mut field_name: Option<String> = None;
    let mut values = Vec::new();
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Array(items) => {
                if field_name.is_some() {
                    return Err(parsing(
                        v.at,
                        "[terms] query does not support multiple fields",
                    ));
                }
                field_name = Some(field.key.clone());
                for item in items {
                    match term_value(item) {
                        Some(value) => values.push(value),
                        None => {
                            return Err(parsing(item.at, "No value specified for terms query"));
                        }
                    }
                }
            }
            Kind::Object(_) => {
                if let Some(seen) = &field_name {
                    return Err(parsing(
                        v.at,
                        format!(
                            "[terms] query does not support more than one field. Already got: [{seen}] but also found [{}]",
                            field.key
                        ),
                    ));
                }
                // A terms lookup fetches the values from another document; the store does
                // not run that second request.
                return Err(parsing(
                    v.at,
                    "[terms] query does not support a terms lookup, list the values",
                ));
            }
            _ => match field.key.as_str() {
                "boost" => boost = v.float_value()?,
                "_name" => {
                    v.text()?;
                }
                other => {
                    return Err(parsing(
                        v.at,
                        format!("[terms] query does not support [{other}]"),
                    ));
                }
            },
        }
    }
    let Some(field) = field_name else {
        return Err(parsing(
            body.end,
            "[terms] query requires a field name, followed by array of terms or a document lookup specification",
        ));
    };
    if field.is_empty() {
        return Err(illegal("field name cannot be null."));
    }
    let boost = check_boost(boost, "terms", body)?;
    Ok(Query::Terms {
        field,
        values,
        boost,
    })
}

pub(crate) fn parse_range(body: &Node) -> Result<Query, StoreError> {
    let mut field_name: Option<String> = None;
    let mut from = None;
    let mut to = None;
    let mut include_lower = true;
    let mut include_upper = true;
    let mut time_zone = None;
    let mut format = None;
    let mut relation = None;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Object(inner) => {
                multiple_fields("range", v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                for option in inner {
                    let o = &option.value;
                    match option.key.as_str() {
                        "from" => from = term_value(o),
                        "to" => to = term_value(o),
                        "include_lower" => include_lower = o.bool_value()?,
                        "include_upper" => include_upper = o.bool_value()?,
                        "boost" => boost = o.float_value()?,
                        "gt" => {
                            from = term_value(o);
                            include_lower = false;
                        }
                        "gte" => {
                            from = term_value(o);
                            include_lower = true;
                        }
                        "lt" => {
                            to = term_value(o);
                            include_upper = false;
                        }
                        "lte" => {
                            to = term_value(o);
                            include_upper = true;
                        }
                        "time_zone" => time_zone = Some(o.text()?),
                        "format" => format = Some(o.text()?),
                        "relation" => relation = Some((o.text()?, o.at)),
                        "_name" => {
                            o.text()?;
                        }
                        other => {
                            return Err(parsing(
                                o.at,
                                format!("[range] query does not support [{other}]"),
                            ));
                        }
                    }
                }
            }
            _ if v.is_value() => {
                return Err(parsing(
                    v.at,
                    format!("[range] query does not support [{}]", field.key),
                ));
            }
            _ => {}
        }
    }
    let field = field_name
        .filter(|f| !f.is_empty())
        .ok_or_else(|| illegal("[range] requires field name"))?;
    if let Some(tz) = &time_zone {
        ironstack_types::date::parse_time_zone(tz).map_err(|e| illegal(e.to_string()))?;
    }
    let boost = check_boost(boost, "range", body)?;
    if let Some((relation, _)) = &relation {
        match relation.to_ascii_lowercase().as_str() {
            "intersects" | "within" | "contains" => {}
            "disjoint" => {
                return Err(illegal(format!(
                    "[range] query does not support relation [{relation}]"
                )));
            }
            _ => return Err(illegal(format!("{relation} is not a valid relation"))),
        }
    }
    let (gt, gte) = if include_lower {
        (None, from)
    } else {
        (from, None)
    };
    let (lt, lte) = if include_upper {
        (None, to)
    } else {
        (to, None)
    };
    Ok(Query::Range(RangeQuery {
        field,
        gt,
        gte,
        lt,
        lte,
        format,
        time_zone,
        boost,
    }))
}

pub(crate) fn parse_exists(body: &Node) -> Result<Query, StoreError> {
    let mut field_name = None;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        if !v.is_value() {
            return Err(parsing(
                v.at,
                format!(
                    "[exists] unknown token [{}] after [{}]",
                    v.token(),
                    field.key
                ),
            ));
        }
        match field.key.as_str() {
            "field" => field_name = Some(v.text()?),
            "_name" => {
                v.text()?;
            }
            "boost" => boost = v.float_value()?,
            other => {
                return Err(parsing(
                    v.at,
                    format!("[exists] query does not support [{other}]"),
                ));
            }
        }
    }
    let Some(field) = field_name else {
        return Err(parsing(
            body.end,
            "[exists] must be provided with a [field]",
        ));
    };
    if field.is_empty() {
        return Err(illegal("field name is null or empty"));
    }
    let boost = check_boost(boost, "exists", body)?;
    Ok(Query::Exists { field, boost })
}

/// What `prefix`, `wildcard` and `regexp` share: a field with a string value, `boost`,
/// `case_insensitive`, `rewrite`, `_name`, and a few options of their own.
struct Pattern {
    field: String,
    value: String,
    case_insensitive: bool,
    boost: f32,
}

fn parse_pattern(
    name: &str,
    body: &Node,
    value_keys: &[&str],
    mut extra: impl FnMut(&str, &Node) -> Result<bool, StoreError>,
) -> Result<Pattern, StoreError> {
    let mut field_name: Option<String> = None;
    let mut value = None;
    let mut boost = 1.0;
    let mut case_insensitive = false;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Object(inner) => {
                multiple_fields(name, v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                for option in inner {
                    let o = &option.value;
                    let key = option.key.as_str();
                    if value_keys.contains(&key) {
                        value = o.text_or_null()?;
                        continue;
                    }
                    match key {
                        "_name" => {
                            o.text()?;
                        }
                        "boost" => boost = o.float_value()?,
                        "rewrite" => {
                            o.text_or_null()?;
                        }
                        "case_insensitive" => case_insensitive = o.bool_value()?,
                        other => {
                            if !extra(other, o)? {
                                return Err(parsing(
                                    o.at,
                                    format!("[{name}] query does not support [{other}]"),
                                ));
                            }
                        }
                    }
                }
            }
            _ => {
                multiple_fields(name, v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                value = v.text_or_null()?;
            }
        }
    }
    let (field, value) = require_field_and_value(field_name, value)?;
    let boost = check_boost(boost, name, body)?;
    Ok(Pattern {
        field,
        value,
        case_insensitive,
        boost,
    })
}

pub(crate) fn parse_prefix(body: &Node) -> Result<Query, StoreError> {
    let p = parse_pattern("prefix", body, &["value", "prefix"], |_, _| Ok(false))?;
    Ok(Query::Prefix {
        field: p.field,
        value: p.value,
        case_insensitive: p.case_insensitive,
        boost: p.boost,
    })
}

pub(crate) fn parse_wildcard(body: &Node) -> Result<Query, StoreError> {
    let p = parse_pattern("wildcard", body, &["wildcard", "value"], |_, _| Ok(false))?;
    Ok(Query::Wildcard {
        field: p.field,
        pattern: p.value,
        case_insensitive: p.case_insensitive,
        boost: p.boost,
    })
}

/// `RegexpFlag.resolveValue`: `|`-separated flag names, each checked.
fn check_regexp_flags(flags: &str) -> Result<(), StoreError> {
    const FLAGS: &[&str] = &[
        "INTERSECTION",
        "COMPLEMENT",
        "EMPTY",
        "ANYSTRING",
        "INTERVAL",
        "NONE",
        "ALL",
    ];
    for flag in flags.split('|').filter(|f| !f.is_empty()) {
        if !FLAGS.contains(&flag.to_uppercase().as_str()) {
            return Err(illegal(format!("Unknown regexp flag [{flag}]")));
        }
    }
    Ok(())
}

pub(crate) fn parse_regexp(body: &Node) -> Result<Query, StoreError> {
    let p = parse_pattern("regexp", body, &["value"], |key, o| match key {
        "flags" => {
            check_regexp_flags(&o.text()?)?;
            Ok(true)
        }
        "flags_value" | "max_determinized_states" => {
            o.int_value()?;
            Ok(true)
        }
        _ => Ok(false),
    })?;
    Ok(Query::Regexp {
        field: p.field,
        pattern: p.value,
        case_insensitive: p.case_insensitive,
        boost: p.boost,
    })
}

/// `ids`, read by an `ObjectParser`.
pub(crate) fn parse_ids(body: &Node) -> Result<Query, StoreError> {
    let mut values = Vec::new();
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        if field.key == "values" {
            check_type("ids", field, FieldType::StringArray)?;
            let parsed = object_field("ids", field, |v| match &v.kind {
                Kind::Array(items) => items
                    .iter()
                    .map(|item| {
                        if item.is_value() && !item.is_null() {
                            item.text()
                        } else {
                            Err(illegal(format!(
                                "Expected text at {} but found {}",
                                item.at,
                                item.token()
                            )))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>(),
                _ => v.text().map(|t| vec![t]),
            })?;
            values.extend(parsed);
        } else if !standard_object_field("ids", field, "ids", body, &mut boost)? {
            return Err(unknown_field(
                field.key_at,
                "ids",
                &field.key,
                &["values", "boost", "_name"],
            ));
        }
    }
    Ok(Query::Ids { values, boost })
}
