//! The query DSL parser: `{"<query name>": {...}}` into a [`Query`], clause by clause as
//! Elasticsearch's `AbstractQueryBuilder.parseInnerQueryBuilder` and each builder's
//! `fromXContent` read it, with their errors (`parsing_exception`, `x_content_parse_exception`
//! around `ObjectParser` fields, `illegal_argument_exception`) and, when the query was read
//! from bytes, their `line`/`col`. The compound queries (`bool`, `constant_score`, `boosting`,
//! `dis_max`) and the dispatch live here; leaf queries in [`super::term_level`] and
//! [`super::full_text`], the query languages in [`super::query_string`] and
//! [`super::simple_query_string`].

use serde_json::Value;

use crate::StoreError;
use crate::query::node::{
    Field, Kind, Loc, Node, field_failed, illegal, parsing, suggest, unknown_field,
    unsupported_type,
};
use crate::query::{BoolQuery, MinimumShouldMatch, Query};
use crate::query::{full_text, query_string, simple_query_string, term_level};

/// `indices.query.bool.max_nested_depth`: how deep queries may nest.
pub const MAX_NESTED_DEPTH: usize = 30;

/// Parses a query (`{"match": {...}}`, the value of a request's `query`). Errors carry no
/// position; [`parse_query_bytes`] gives them the `line`/`col` Elasticsearch reports.
pub fn parse_query(query: &Value) -> Result<Query, StoreError> {
    parse_top(&Node::from_value(query))
}

/// Parses a query from its JSON text, with positions in errors.
pub fn parse_query_bytes(query: &[u8]) -> Result<Query, StoreError> {
    parse_top(&Node::from_slice(query)?)
}

/// `parseTopLevelQuery`: a query with a fresh nesting count.
pub(crate) fn parse_top(node: &Node) -> Result<Query, StoreError> {
    parse_inner(node, 0)
}

/// The queries Elasticsearch registers (its own and its bundled modules'), for "did you
/// mean" suggestions on an unknown name.
const ES_QUERY_NAMES: &[&str] = &[
    "bool",
    "boosting",
    "combined_fields",
    "constant_score",
    "dis_max",
    "distance_feature",
    "exists",
    "field_masking_span",
    "function_score",
    "fuzzy",
    "geo_bounding_box",
    "geo_distance",
    "geo_grid",
    "geo_shape",
    "has_child",
    "has_parent",
    "ids",
    "intervals",
    "knn",
    "match",
    "match_all",
    "match_bool_prefix",
    "match_none",
    "match_phrase",
    "match_phrase_prefix",
    "more_like_this",
    "multi_match",
    "nested",
    "parent_id",
    "percolate",
    "pinned",
    "prefix",
    "query_string",
    "range",
    "rank_feature",
    "regexp",
    "rule",
    "script",
    "script_score",
    "semantic",
    "shape",
    "simple_query_string",
    "span_containing",
    "span_field_masking",
    "span_first",
    "span_multi",
    "span_near",
    "span_not",
    "span_or",
    "span_term",
    "span_within",
    "sparse_vector",
    "term",
    "terms",
    "terms_set",
    "text_expansion",
    "weighted_tokens",
    "wildcard",
    "wrapper",
];

/// `parseInnerQueryBuilder`: `{"<name>": {..}}`, `depth` queries deep already.
pub(crate) fn parse_inner(node: &Node, depth: usize) -> Result<Query, StoreError> {
    let Some(fields) = node.as_object() else {
        return Err(parsing(
            node.at,
            "[_na] query malformed, must start with start_object",
        ));
    };
    let Some(first) = fields.first() else {
        // `{}` as a query was deprecated in 5.0 and removed in 6.0.
        return Err(illegal(format!(
            "query malformed, empty clause found at [{}]",
            node.end
        )));
    };
    let name = first.key.as_str();
    let body = &first.value;
    if body.as_object().is_none() {
        return Err(parsing(
            body.at,
            format!("[{name}] query malformed, no start_object after query name"),
        ));
    }
    if depth + 1 > MAX_NESTED_DEPTH {
        return Err(illegal(
            "The nested depth of the query exceeds the maximum nested depth for queries set in [indices.query.bool.max_nested_depth]",
        ));
    }
    let depth = depth + 1;
    let query = match name {
        "match_all" => parse_match_all(body)?,
        "match_none" => parse_match_none(body)?,
        "term" => term_level::parse_term(body)?,
        "terms" => term_level::parse_terms(body)?,
        "range" => term_level::parse_range(body)?,
        "exists" => term_level::parse_exists(body)?,
        "prefix" => term_level::parse_prefix(body)?,
        "wildcard" => term_level::parse_wildcard(body)?,
        "regexp" => term_level::parse_regexp(body)?,
        "ids" => term_level::parse_ids(body)?,
        "match" => full_text::parse_match(body)?,
        "match_phrase" => full_text::parse_match_phrase(body, false)?,
        "match_phrase_prefix" => full_text::parse_match_phrase(body, true)?,
        "match_bool_prefix" => full_text::parse_match_bool_prefix(body)?,
        "multi_match" => full_text::parse_multi_match(body)?,
        "query_string" => query_string::parse_query_string_query(body)?,
        "simple_query_string" => simple_query_string::parse_simple_query_string_query(body)?,
        "bool" => parse_bool(body, depth)?,
        "constant_score" => parse_constant_score(body, depth)?,
        "boosting" => parse_boosting(body, depth)?,
        "dis_max" => parse_dis_max(body, depth)?,
        other if ES_QUERY_NAMES.contains(&other) => {
            return Err(parsing(
                body.at,
                format!("[{other}] query is not supported"),
            ));
        }
        other => {
            return Err(parsing(
                body.at,
                format!("unknown query [{other}]{}", suggest(other, ES_QUERY_NAMES)),
            ));
        }
    };
    if let Some(extra) = fields.get(1) {
        return Err(parsing(
            extra.key_at,
            format!("[{name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]"),
        ));
    }
    Ok(query)
}

/// `checkNegativeBoost`: `negative [boost] are not allowed in [<query>], use a value between
/// 0 and 1 to deboost`, the query printed as Elasticsearch prints it (pretty JSON).
pub(crate) fn check_boost(boost: f32, name: &str, body: &Node) -> Result<f32, StoreError> {
    if boost < 0.0 {
        let mut query = serde_json::Map::new();
        query.insert(name.to_string(), body.to_value());
        return Err(illegal(format!(
            "negative [boost] are not allowed in [{}], use a value between 0 and 1 to deboost",
            es_pretty(&Value::Object(query))
        )));
    }
    Ok(boost)
}

/// XContent's pretty printer: two-space indent, `" : "` between keys and values.
pub(crate) fn es_pretty(value: &Value) -> String {
    fn write(out: &mut String, value: &Value, indent: usize) {
        let pad = |n: usize| "  ".repeat(n);
        match value {
            Value::Object(map) if !map.is_empty() => {
                out.push_str("{\n");
                for (i, (k, v)) in map.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push_str(" : ");
                    write(out, v, indent + 1);
                    if i + 1 < map.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&pad(indent));
                out.push('}');
            }
            Value::Array(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    write(out, v, indent + 1);
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                out.push_str(&pad(indent));
                out.push(']');
            }
            Value::Object(_) => out.push_str("{ }"),
            Value::Array(_) => out.push_str("[ ]"),
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    write(&mut out, value, 0);
    out
}

/// Where a failure happened, when its error says: the token an `ObjectParser` wrapper
/// reports is the one the parser stopped on.
fn error_loc(e: &StoreError) -> Option<Loc> {
    let from_prefix = |reason: &str| {
        let rest = reason.strip_prefix('[')?;
        let (pos, _) = rest.split_once("] ")?;
        let (line, col) = pos.split_once(':')?;
        Some(Loc {
            line: line.parse().ok()?,
            col: col.parse().ok()?,
        })
    };
    match e {
        StoreError::Parsing {
            line: Some(line),
            col: Some(col),
            ..
        } => Some(Loc {
            line: *line,
            col: *col,
        }),
        StoreError::XContentParse(reason) | StoreError::FieldParse { reason, .. } => {
            from_prefix(reason).filter(|l| l.known())
        }
        _ => None,
    }
}

/// Runs the parser of one `ObjectParser` field, wrapping its failure as Elasticsearch does.
pub(crate) fn object_field<T>(
    parser: &str,
    field: &Field,
    parse: impl FnOnce(&Node) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    parse(&field.value).map_err(|cause| {
        let at = error_loc(&cause).unwrap_or(field.value.end);
        field_failed(at, parser, &field.key, cause)
    })
}

/// The JSON types an `ObjectParser` field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldType {
    /// `declareFloat`/`declareInt`: numbers and strings.
    Number,
    /// `declareString`: strings.
    String,
    /// `declareBoolean`: booleans and strings.
    Boolean,
    /// `ValueType.VALUE`: any scalar or `null`.
    Value,
    /// `declareObjectArrayOrNull`: an object, an array or `null`.
    ObjectArrayOrNull,
    /// `declareStringArray`: an array or a string.
    StringArray,
}

/// `assertSupports`: the field's value has a type the declaration accepts.
pub(crate) fn check_type(parser: &str, field: &Field, kind: FieldType) -> Result<(), StoreError> {
    let v = &field.value;
    let ok = match kind {
        FieldType::Number => matches!(v.kind, Kind::Number(_) | Kind::String(_)),
        FieldType::String => matches!(v.kind, Kind::String(_)),
        FieldType::Boolean => matches!(v.kind, Kind::Bool(_) | Kind::String(_)),
        FieldType::Value => v.is_value(),
        FieldType::ObjectArrayOrNull => {
            matches!(v.kind, Kind::Object(_) | Kind::Array(_) | Kind::Null)
        }
        FieldType::StringArray => matches!(v.kind, Kind::Array(_) | Kind::String(_)),
    };
    if ok {
        Ok(())
    } else {
        Err(unsupported_type(v.at, parser, &field.key, v))
    }
}

/// `boost` and `_name` of an `ObjectParser`-read query (`match_all`, `bool`, `ids`, ...):
/// `Some(boost)` when `field` is one of them.
pub(crate) fn standard_object_field(
    parser: &str,
    field: &Field,
    name: &str,
    body: &Node,
    boost: &mut f32,
) -> Result<bool, StoreError> {
    match field.key.as_str() {
        "boost" => {
            check_type(parser, field, FieldType::Number)?;
            *boost = object_field(parser, field, |v| {
                let b = v.float_value()?;
                check_boost(b, name, body)
            })?;
            Ok(true)
        }
        "_name" => {
            check_type(parser, field, FieldType::String)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn parse_match_all(body: &Node) -> Result<Query, StoreError> {
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        if !standard_object_field("match_all", field, "match_all", body, &mut boost)? {
            return Err(unknown_field(
                field.key_at,
                "match_all",
                &field.key,
                &["boost", "_name"],
            ));
        }
    }
    Ok(Query::MatchAll { boost })
}

fn parse_match_none(body: &Node) -> Result<Query, StoreError> {
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        if !standard_object_field("match_none", field, "match_none", body, &mut boost)? {
            return Err(unknown_field(
                field.key_at,
                "match_none",
                &field.key,
                &["boost", "_name"],
            ));
        }
    }
    Ok(Query::MatchNone)
}

const BOOL_FIELDS: &[&str] = &[
    "must",
    "should",
    "must_not",
    "mustNot",
    "filter",
    "adjust_pure_negative",
    "minimum_should_match",
    "_name",
    "boost",
];

/// `bool`, read by an `ObjectParser`: each clause list is an object, an array of objects or
/// `null`; a failure inside a clause is wrapped as `[bool] failed to parse field [must]`.
fn parse_bool(body: &Node, depth: usize) -> Result<Query, StoreError> {
    let mut bool_query = BoolQuery {
        boost: 1.0,
        ..BoolQuery::default()
    };
    let mut adjust_pure_negative = true;
    for field in body.as_object().unwrap_or_default() {
        let clauses = match field.key.as_str() {
            "must" => Some(&mut bool_query.must),
            "should" => Some(&mut bool_query.should),
            "must_not" | "mustNot" => Some(&mut bool_query.must_not),
            "filter" => Some(&mut bool_query.filter),
            _ => None,
        };
        if let Some(clauses) = clauses {
            check_type("bool", field, FieldType::ObjectArrayOrNull)?;
            let parsed = object_field("bool", field, |v| match &v.kind {
                Kind::Null => Ok(Vec::new()),
                Kind::Array(items) => items.iter().map(|q| parse_inner(q, depth)).collect(),
                _ => parse_inner(v, depth).map(|q| vec![q]),
            })?;
            clauses.extend(parsed);
            continue;
        }
        match field.key.as_str() {
            "adjust_pure_negative" => {
                check_type("bool", field, FieldType::Boolean)?;
                adjust_pure_negative = object_field("bool", field, Node::bool_value)?;
            }
            "minimum_should_match" => {
                check_type("bool", field, FieldType::Value)?;
                bool_query.minimum_should_match = match field.value.text_or_null()? {
                    Some(text) => Some(MinimumShouldMatch::parse(text)?),
                    None => None,
                };
            }
            _ => {
                if !standard_object_field("bool", field, "bool", body, &mut bool_query.boost)? {
                    return Err(unknown_field(field.key_at, "bool", &field.key, BOOL_FIELDS));
                }
            }
        }
    }
    let pure_negative = bool_query.must.is_empty()
        && bool_query.filter.is_empty()
        && bool_query.should.is_empty()
        && !bool_query.must_not.is_empty();
    if pure_negative && !adjust_pure_negative {
        // Lucene's boolean query of prohibited clauses alone matches nothing; Elasticsearch
        // only adds the match-all clause when `adjust_pure_negative` is on.
        return Ok(Query::MatchNone);
    }
    Ok(Query::Bool(bool_query))
}

fn parse_constant_score(body: &Node, depth: usize) -> Result<Query, StoreError> {
    let mut filter = None;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Object(_) => {
                if field.key != "filter" {
                    return Err(parsing(
                        v.at,
                        format!("[constant_score] query does not support [{}]", field.key),
                    ));
                }
                if filter.is_some() {
                    return Err(parsing(
                        v.at,
                        "[constant_score] accepts only one 'filter' element.",
                    ));
                }
                filter = Some(parse_inner(v, depth)?);
            }
            _ if v.is_value() => match field.key.as_str() {
                "_name" => {
                    v.text()?;
                }
                "boost" => boost = v.float_value()?,
                _ => {
                    return Err(parsing(
                        v.at,
                        format!("[constant_score] query does not support [{}]", field.key),
                    ));
                }
            },
            _ => {
                return Err(parsing(v.at, format!("unexpected token [{}]", v.token())));
            }
        }
    }
    let Some(filter) = filter else {
        return Err(parsing(
            body.end,
            "[constant_score] requires a 'filter' element",
        ));
    };
    let boost = check_boost(boost, "constant_score", body)?;
    Ok(Query::ConstantScore {
        filter: Box::new(filter),
        boost,
    })
}

fn parse_boosting(body: &Node, depth: usize) -> Result<Query, StoreError> {
    let mut positive = None;
    let mut negative = None;
    let mut negative_boost: f32 = -1.0;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        let unsupported = || {
            parsing(
                v.at,
                format!("[boosting] query does not support [{}]", field.key),
            )
        };
        match &v.kind {
            Kind::Object(_) => match field.key.as_str() {
                "positive" => positive = Some(parse_inner(v, depth)?),
                "negative" => negative = Some(parse_inner(v, depth)?),
                _ => return Err(unsupported()),
            },
            _ if v.is_value() => match field.key.as_str() {
                "negative_boost" => negative_boost = v.float_value()?,
                "_name" => {
                    v.text()?;
                }
                "boost" => boost = v.float_value()?,
                _ => return Err(unsupported()),
            },
            _ => {}
        }
    }
    let Some(positive) = positive else {
        return Err(parsing(
            body.end,
            "[boosting] query requires 'positive' query to be set'",
        ));
    };
    let Some(negative) = negative else {
        return Err(parsing(
            body.end,
            "[boosting] query requires 'negative' query to be set'",
        ));
    };
    if negative_boost < 0.0 {
        return Err(parsing(
            body.end,
            "[boosting] query requires 'negative_boost' to be set to be a positive value'",
        ));
    }
    let boost = check_boost(boost, "boosting", body)?;
    Ok(with_boost(
        Query::Boosting {
            positive: Box::new(positive),
            negative: Box::new(negative),
            negative_boost,
        },
        boost,
    ))
}

fn parse_dis_max(body: &Node, depth: usize) -> Result<Query, StoreError> {
    let mut queries = Vec::new();
    let mut found = false;
    let mut tie_breaker = 0.0;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        let unsupported = || {
            parsing(
                v.at,
                format!("[dis_max] query does not support [{}]", field.key),
            )
        };
        match &v.kind {
            Kind::Object(_) => {
                if field.key != "queries" {
                    return Err(unsupported());
                }
                found = true;
                queries.push(parse_inner(v, depth)?);
            }
            Kind::Array(items) => {
                if field.key != "queries" {
                    return Err(unsupported());
                }
                found = true;
                for item in items {
                    queries.push(parse_inner(item, depth)?);
                }
            }
            _ => match field.key.as_str() {
                "boost" => boost = v.float_value()?,
                "tie_breaker" => tie_breaker = v.float_value()?,
                "_name" => {
                    v.text()?;
                }
                _ => return Err(unsupported()),
            },
        }
    }
    if !found {
        return Err(parsing(
            body.end,
            "[dis_max] requires 'queries' field with at least one clause",
        ));
    }
    let boost = check_boost(boost, "dis_max", body)?;
    Ok(Query::DisMax {
        queries,
        tie_breaker,
        boost,
    })
}

/// `query` scored times `boost`, for the variants without a boost of their own (a `bool`
/// of one `must` clause scores as its clause).
pub(crate) fn with_boost(query: Query, boost: f32) -> Query {
    if boost == 1.0 {
        return query;
    }
    match query {
        Query::MatchAll { boost: b } => Query::MatchAll { boost: b * boost },
        Query::MatchNone => Query::MatchNone,
        Query::Term {
            field,
            value,
            case_insensitive,
            boost: b,
        } => Query::Term {
            field,
            value,
            case_insensitive,
            boost: b * boost,
        },
        Query::Terms {
            field,
            values,
            boost: b,
        } => Query::Terms {
            field,
            values,
            boost: b * boost,
        },
        Query::Range(mut r) => {
            r.boost *= boost;
            Query::Range(r)
        }
        Query::Exists { field, boost: b } => Query::Exists {
            field,
            boost: b * boost,
        },
        Query::Prefix {
            field,
            value,
            case_insensitive,
            boost: b,
        } => Query::Prefix {
            field,
            value,
            case_insensitive,
            boost: b * boost,
        },
        Query::Wildcard {
            field,
            pattern,
            case_insensitive,
            boost: b,
        } => Query::Wildcard {
            field,
            pattern,
            case_insensitive,
            boost: b * boost,
        },
        Query::Regexp {
            field,
            pattern,
            case_insensitive,
            boost: b,
        } => Query::Regexp {
            field,
            pattern,
            case_insensitive,
            boost: b * boost,
        },
        Query::Ids { values, boost: b } => Query::Ids {
            values,
            boost: b * boost,
        },
        Query::Match(mut m) => {
            m.boost *= boost;
            Query::Match(m)
        }
        Query::MatchPhrase(mut m) => {
            m.boost *= boost;
            Query::MatchPhrase(m)
        }
        Query::Bool(mut b) => {
            b.boost *= boost;
            Query::Bool(b)
        }
        Query::ConstantScore { filter, boost: b } => Query::ConstantScore {
            filter,
            boost: b * boost,
        },
        Query::DisMax {
            queries,
            tie_breaker,
            boost: b,
        } => Query::DisMax {
            queries,
            tie_breaker,
            boost: b * boost,
        },
        boosting @ Query::Boosting { .. } => Query::Bool(BoolQuery {
            must: vec![boosting],
            boost,
            ..BoolQuery::default()
        }),
    }
}

/// `throwParsingExceptionOnMultipleFields`.
pub(crate) fn multiple_fields(
    query: &str,
    at: Loc,
    seen: Option<&str>,
    current: &str,
) -> Result<(), StoreError> {
    match seen {
        Some(seen) => Err(parsing(
            at,
            format!(
                "[{query}] query doesn't support multiple fields, found [{seen}] and [{current}]"
            ),
        )),
        None => Ok(()),
    }
}

/// A `fields` entry with an optional `^boost` (`title^2`), as `parseFieldAndBoost` reads it.
pub(crate) fn field_and_boost(node: &Node) -> Result<(String, f32), StoreError> {
    let text = node.text()?;
    match text.split_once('^') {
        Some((field, boost)) => {
            let boost = crate::query::node::java_float(boost)
                .ok_or_else(|| crate::query::node::number_format(boost))?;
            Ok((field.to_string(), boost as f32))
        }
        None => Ok((text, 1.0)),
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
