//! The small query DSL of `_security/_query/{user,role,api_key}`: Elasticsearch's request
//! body (`query`, `from`, `size`, `sort`, `search_after`) parsed against the fields each API
//! allows ([`Schema`]), then evaluated over the security documents in memory. Supported
//! queries: `bool`, `match_all`, `term`, `terms`, `match`, `prefix`, `wildcard`, `exists`,
//! `range` (numbers and dates), `ids` and `simple_query_string`. Errors carry Elasticsearch's
//! exception types (`parsing_exception`, `illegal_argument_exception`,
//! `x_content_parse_exception`, `action_request_validation_exception`, and `parse_exception`
//! for dates). Date values, date math and time zones go through `ironstack_types::date`, so a
//! `range` or `term` on a date field means what it means in Elasticsearch (`gt` and `lte`
//! round up, a `term` covers the whole date it names). No input makes parsing or evaluation
//! panic: every request is checked here, and comparisons are a total order.

use std::borrow::Cow;
use std::cmp::Ordering;

use ironstack_types::date::{DateFormat, DateMathParser, TimeZone, Timestamp, parse_time_zone};
use ironstack_types::wildcard::{self, Syntax};
use ironstack_types::{ErrorCode, EsErrorType};
use serde_json::{Map, Value};

use crate::rbac::RoleError;

/// Elasticsearch's `index.max_result_window`: `from + size` may not exceed it.
pub const MAX_RESULT_WINDOW: i64 = 10_000;
/// The page size when the request names none.
pub const DEFAULT_SIZE: i64 = 10;

/// How a field is indexed, which decides how the queries compare values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Exact values (`keyword`).
    Keyword,
    /// Analysed text: lower-cased words (`text`); not sortable.
    Text,
    /// `true`/`false`.
    Boolean,
    /// Epoch milliseconds; range bounds may be dates or date math (`now-1d`), in
    /// `strict_date_optional_time||epoch_millis` unless the query names a `format`.
    Date,
    /// `metadata.*`: any JSON value, compared as its string form (Elasticsearch maps
    /// metadata as `flattened`).
    Flattened,
}

/// The fields one query API allows and how its documents are laid out.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The parser name in `unknown field` errors (`query_user_request`, ...).
    pub request_name: &'static str,
    /// `(field name in queries, path in the document, kind)`.
    pub fields: &'static [(&'static str, &'static str, FieldKind)],
    /// Whether `metadata.*` may be queried.
    pub metadata: bool,
    /// The text after `Field [x] is not allowed ` in Elasticsearch's error.
    pub not_allowed: &'static str,
    /// The document path the `ids` query matches.
    pub id_path: &'static str,
    /// Order used when the request has no `sort` (ascending).
    pub default_order: &'static [&'static str],
    /// Text fields that may still be sorted on (by their whole value).
    pub sortable_text: &'static [&'static str],
}

/// `_security/_query/user`.
pub const USER_SCHEMA: Schema = Schema {
    request_name: "query_user_request",
    fields: &[
        ("username", "username", FieldKind::Keyword),
        ("roles", "roles", FieldKind::Keyword),
        ("enabled", "enabled", FieldKind::Boolean),
        ("full_name", "full_name", FieldKind::Text),
        ("email", "email", FieldKind::Text),
    ],
    metadata: false,
    not_allowed: "for querying",
    id_path: "username",
    default_order: &["username"],
    sortable_text: &[],
};

/// `_security/_query/role`.
pub const ROLE_SCHEMA: Schema = Schema {
    request_name: "query_role_request",
    fields: &[
        ("name", "name", FieldKind::Keyword),
        ("description", "description", FieldKind::Text),
        (
            "applications.application",
            "applications.application",
            FieldKind::Keyword,
        ),
        (
            "applications.resources",
            "applications.resources",
            FieldKind::Keyword,
        ),
        (
            "applications.privileges",
            "applications.privileges",
            FieldKind::Keyword,
        ),
    ],
    metadata: true,
    not_allowed: "for querying or aggregation",
    id_path: "name",
    default_order: &["name"],
    sortable_text: &["description"],
};

/// `_security/_query/api_key` (documents as `GET /_security/api_key` shows them).
pub const API_KEY_SCHEMA: Schema = Schema {
    request_name: "query_api_key_request",
    fields: &[
        ("id", "id", FieldKind::Keyword),
        ("name", "name", FieldKind::Keyword),
        ("type", "type", FieldKind::Keyword),
        ("creation", "creation", FieldKind::Date),
        ("expiration", "expiration", FieldKind::Date),
        ("invalidated", "invalidated", FieldKind::Boolean),
        ("invalidation", "invalidation", FieldKind::Date),
        ("username", "username", FieldKind::Keyword),
        ("realm_name", "realm", FieldKind::Keyword),
    ],
    metadata: true,
    not_allowed: "for querying or aggregation",
    id_path: "id",
    default_order: &["creation", "id"],
    sortable_text: &[],
};

/// Query types Elasticsearch knows but these APIs refuse.
const OTHER_ES_QUERIES: &[&str] = &[
    "boosting",
    "combined_fields",
    "constant_score",
    "dis_max",
    "distance_feature",
    "function_score",
    "fuzzy",
    "geo_bounding_box",
    "geo_distance",
    "geo_shape",
    "has_child",
    "has_parent",
    "intervals",
    "knn",
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
    "query_string",
    "rank_feature",
    "regexp",
    "script",
    "script_score",
    "semantic",
    "shape",
    "span_term",
    "sparse_vector",
    "terms_set",
    "text_expansion",
    "weighted_tokens",
    "wrapper",
];

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Every document.
    MatchAll,
    /// Boolean combination.
    Bool {
        /// All must match.
        must: Vec<Query>,
        /// All must match (no scoring difference here).
        filter: Vec<Query>,
        /// At least `minimum_should_match` must match.
        should: Vec<Query>,
        /// None may match.
        must_not: Vec<Query>,
        /// How many `should` clauses must match.
        minimum_should_match: usize,
    },
    /// One of `values` equals a value of the field.
    Terms {
        /// Field.
        field: Field,
        /// Accepted values (normalised).
        values: Vec<Value>,
        /// Compare lower-cased.
        case_insensitive: bool,
    },
    /// Words of a text field (any or all of them).
    Match {
        /// Field.
        field: Field,
        /// Lower-cased words.
        words: Vec<String>,
        /// `operator: and`.
        all: bool,
    },
    /// A value (or word, for text) starts with this.
    Prefix {
        /// Field.
        field: Field,
        /// Prefix.
        value: String,
        /// Compare lower-cased.
        case_insensitive: bool,
    },
    /// `*`/`?` pattern over a value (or word).
    Wildcard {
        /// Field.
        field: Field,
        /// Pattern.
        pattern: String,
        /// Compare lower-cased.
        case_insensitive: bool,
    },
    /// The field has a value.
    Exists {
        /// Field.
        field: Field,
    },
    /// Bounds on the field's value.
    Range {
        /// Field.
        field: Field,
        /// Lower bound and whether it is inclusive.
        lower: Option<(Value, bool)>,
        /// Upper bound and whether it is inclusive.
        upper: Option<(Value, bool)>,
    },
    /// The document id is one of these.
    Ids(Vec<String>),
}

/// A resolved field: its document path and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Name as given in the request.
    pub name: String,
    /// Dotted path in the document.
    pub path: String,
    /// How it is compared.
    pub kind: FieldKind,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortField {
    /// `None` for `_doc` (document order).
    pub field: Option<Field>,
    /// Descending.
    pub desc: bool,
}

/// A parsed search body.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The query (`match_all` when absent).
    pub query: Query,
    /// Hits to skip.
    pub from: usize,
    /// Hits to return.
    pub size: usize,
    /// Sort keys (empty: the schema's default order, no `_sort` in hits).
    pub sort: Vec<SortField>,
    /// Only hits sorting after these values.
    pub search_after: Option<Vec<Value>>,
}

/// The result of [`execute`]: the total number of matches and the page, as indices into the
/// documents with their `_sort` values when the request sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Matching documents before paging.
    pub total: usize,
    /// `(document index, sort values)` of the page.
    pub hits: Vec<(usize, Option<Vec<Value>>)>,
}

fn parsing(reason: impl Into<String>) -> RoleError {
    RoleError {
        error_type: EsErrorType::Parsing,
        reason: reason.into(),
        caused_by: None,
    }
}

fn x_content(reason: impl Into<String>) -> RoleError {
    RoleError {
        error_type: EsErrorType::XContentParse,
        reason: reason.into(),
        caused_by: None,
    }
}

impl Schema {
    /// Resolves a field name of a request, or Elasticsearch's 400.
    pub fn field(&self, name: &str) -> Result<Field, RoleError> {
        if let Some((n, p, k)) = self.fields.iter().find(|(n, _, _)| *n == name) {
            return Ok(Field {
                name: (*n).to_string(),
                path: (*p).to_string(),
                kind: *k,
            });
        }
        if self.metadata
            && let Some(rest) = name.strip_prefix("metadata.")
            && !rest.is_empty()
        {
            return Ok(Field {
                name: name.to_string(),
                path: name.to_string(),
                kind: FieldKind::Flattened,
            });
        }
        Err(RoleError::illegal_argument(format!(
            "Field [{name}] is not allowed {}",
            self.not_allowed
        )))
    }

    /// Field names matching a `simple_query_string` field pattern (`*` wildcards).
    fn fields_matching(&self, pattern: &str) -> Result<Vec<Field>, RoleError> {
        let pattern = pattern.split('^').next().unwrap_or(pattern);
        if !pattern.contains('*') {
            return Ok(vec![self.field(pattern)?]);
        }
        let found: Vec<Field> = self
            .fields
            .iter()
            .filter(|(n, _, _)| wildcard::simple_match(pattern, n))
            .filter_map(|(n, _, _)| self.field(n).ok())
            .collect();
        Ok(found)
    }

    fn default_text_fields(&self) -> Vec<Field> {
        self.fields
            .iter()
            .filter(|(_, _, k)| matches!(k, FieldKind::Keyword | FieldKind::Text))
            .filter_map(|(n, _, _)| self.field(n).ok())
            .collect()
    }
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, RoleError> {
    v.as_object().ok_or_else(|| {
        parsing(format!(
            "[{what}] query malformed, no start_object after query name"
        ))
    })
}

/// The single `{field: body}` entry of a leaf query.
fn single_field<'a>(v: &'a Value, what: &str) -> Result<(&'a String, &'a Value), RoleError> {
    let m = object(v, what)?;
    let mut entries = m
        .iter()
        .filter(|(k, _)| k.as_str() != "boost" && k.as_str() != "_name");
    let first = entries.next().ok_or_else(|| {
        parsing(format!(
            "[{what}] query doesn't support multiple fields, found none"
        ))
    })?;
    if let Some((k, _)) = entries.next() {
        return Err(parsing(format!(
            "[{what}] query doesn't support multiple fields, found [{}] and [{k}]",
            first.0
        )));
    }
    Ok(first)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_bool(v: &Value) -> Result<Value, RoleError> {
    match v {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        other => Err(RoleError::illegal_argument(format!(
            "Failed to parse value [{}] as only [true] or [false] are allowed.",
            scalar_string(other).unwrap_or_else(|| other.to_string())
        ))),
    }
}

fn date_error(e: ironstack_types::Error) -> RoleError {
    RoleError {
        error_type: e.es_type(),
        reason: e.to_string(),
        caused_by: None,
    }
}

/// The text Elasticsearch's date parser sees for a JSON value: strings as they are, numbers
/// and booleans as written (a number is not taken as milliseconds before the date formats
/// are tried: `2024` is a year).
fn date_text(field: &Field, v: &Value) -> Result<String, RoleError> {
    scalar_string(v).ok_or_else(|| parsing(format!("[{}] value must be a scalar", field.name)))
}

/// A query value normalised for the field's kind. Dates become epoch milliseconds (the
/// start of the date named, as a `gte` bound would).
fn normalise(field: &Field, v: &Value, now: Timestamp) -> Result<Value, RoleError> {
    match field.kind {
        FieldKind::Boolean => parse_bool(v),
        FieldKind::Date => DateMathParser::default()
            .lower_bound(&date_text(field, v)?, true, now)
            .map(Value::from)
            .map_err(date_error),
        FieldKind::Text => scalar_string(v)
            .map(|s| Value::String(s.to_lowercase()))
            .ok_or_else(|| parsing(format!("[{}] value must be a string", field.name))),
        FieldKind::Keyword | FieldKind::Flattened => scalar_string(v)
            .map(Value::String)
            .ok_or_else(|| parsing(format!("[{}] value must be a scalar", field.name))),
    }
}

/// A `term` on a date field: Elasticsearch's `DateFieldType.termQuery` is the range from the
/// start to the (rounded-up) end of the date named, so `2024-01-31` matches the whole day.
fn date_term(field: &Field, v: &Value, now: Timestamp) -> Result<Query, RoleError> {
    let text = date_text(field, v)?;
    let parser = DateMathParser::default();
    let lower = parser.lower_bound(&text, true, now).map_err(date_error)?;
    let upper = parser.upper_bound(&text, true, now).map_err(date_error)?;
    Ok(Query::Range {
        field: field.clone(),
        lower: Some((Value::from(lower), true)),
        upper: Some((Value::from(upper), true)),
    })
}

/// `term`/`terms`/`match` values on `field`: equality, or date ranges for date fields.
fn terms_query(
    field: Field,
    values: &[&Value],
    case_insensitive: bool,
    now: Timestamp,
) -> Result<Query, RoleError> {
    if field.kind == FieldKind::Date {
        let mut ranges = values
            .iter()
            .map(|v| date_term(&field, v, now))
            .collect::<Result<Vec<_>, _>>()?;
        if ranges.len() == 1 {
            return Ok(ranges.remove(0));
        }
        return Ok(Query::Bool {
            must: Vec::new(),
            filter: Vec::new(),
            should: ranges,
            must_not: Vec::new(),
            minimum_should_match: 1,
        });
    }
    Ok(Query::Terms {
        values: values
            .iter()
            .map(|v| normalise(&field, v, now))
            .collect::<Result<_, _>>()?,
        field,
        case_insensitive,
    })
}

fn bool_option(m: &Map<String, Value>, key: &str) -> Result<bool, RoleError> {
    match m.get(key) {
        None => Ok(false),
        Some(v) => parse_bool(v).map(|b| b == Value::Bool(true)),
    }
}

fn check_keys(m: &Map<String, Value>, query: &str, allowed: &[&str]) -> Result<(), RoleError> {
    for k in m.keys() {
        if !allowed.contains(&k.as_str()) && k != "boost" && k != "_name" {
            return Err(parsing(format!("[{query}] query does not support [{k}]")));
        }
    }
    Ok(())
}

/// Parses a query object against `schema`, with `now` for date math.
pub fn parse_query(schema: &Schema, v: &Value) -> Result<Query, RoleError> {
    parse_query_at(schema, v, Timestamp::now())
}

/// [`parse_query`] with date math evaluated at `now`.
pub fn parse_query_at(schema: &Schema, v: &Value, now: Timestamp) -> Result<Query, RoleError> {
    let m = v
        .as_object()
        .ok_or_else(|| parsing("query malformed, must start with start_object"))?;
    let mut entries = m.iter();
    let Some((kind, body)) = entries.next() else {
        return Err(parsing("query malformed, empty clause found"));
    };
    if let Some((k, _)) = entries.next() {
        return Err(parsing(format!(
            "[{kind}] malformed query, expected [END_OBJECT] but found [FIELD_NAME] ([{k}])"
        )));
    }
    match kind.as_str() {
        "match_all" => {
            check_keys(object(body, kind)?, kind, &[])?;
            Ok(Query::MatchAll)
        }
        "bool" => parse_bool_query(schema, body, now),
        "term" => {
            let (name, body) = single_field(body, kind)?;
            let field = schema.field(name)?;
            let (value, ci) = match body {
                Value::Object(o) => {
                    check_keys(o, kind, &["value", "case_insensitive"])?;
                    let value = o
                        .get("value")
                        .ok_or_else(|| parsing("[term] query requires a value"))?;
                    (value, bool_option(o, "case_insensitive")?)
                }
                other => (other, false),
            };
            terms_query(field, &[value], ci, now)
        }
        "terms" => {
            let (name, body) = single_field(body, kind)?;
            let field = schema.field(name)?;
            let Value::Array(values) = body else {
                return Err(parsing(format!(
                    "[terms] query does not support [{name}] without an array of values"
                )));
            };
            terms_query(field, &values.iter().collect::<Vec<_>>(), false, now)
        }
        "match" => {
            let (name, body) = single_field(body, kind)?;
            let field = schema.field(name)?;
            let (text, all) = match body {
                Value::Object(o) => {
                    check_keys(
                        o,
                        kind,
                        &[
                            "query",
                            "operator",
                            "analyzer",
                            "minimum_should_match",
                            "lenient",
                        ],
                    )?;
                    let text = o
                        .get("query")
                        .ok_or_else(|| parsing("[match] requires query value"))?;
                    let all = match o.get("operator").and_then(Value::as_str) {
                        None => false,
                        Some(op) if op.eq_ignore_ascii_case("or") => false,
                        Some(op) if op.eq_ignore_ascii_case("and") => true,
                        Some(op) => {
                            return Err(RoleError::illegal_argument(format!(
                                "No enum constant org.elasticsearch.index.query.Operator.{}",
                                op.to_uppercase()
                            )));
                        }
                    };
                    (text, all)
                }
                other => (other, false),
            };
            match field.kind {
                FieldKind::Text => {
                    let text = scalar_string(text)
                        .ok_or_else(|| parsing("[match] query value must be a string"))?;
                    Ok(Query::Match {
                        words: words(&text),
                        field,
                        all,
                    })
                }
                // Elasticsearch's match on a non-text field is a term query.
                _ => terms_query(field, &[text], false, now),
            }
        }
        "prefix" | "wildcard" => {
            let (name, body) = single_field(body, kind)?;
            let field = schema.field(name)?;
            let (value, ci) = match body {
                Value::Object(o) => {
                    check_keys(
                        o,
                        kind,
                        &["value", "wildcard", "case_insensitive", "rewrite"],
                    )?;
                    let value = o
                        .get("value")
                        .or_else(|| o.get("wildcard"))
                        .ok_or_else(|| parsing(format!("[{kind}] requires a value")))?;
                    (value, bool_option(o, "case_insensitive")?)
                }
                other => (other, false),
            };
            let value = scalar_string(value)
                .ok_or_else(|| parsing(format!("[{kind}] value must be a string")))?;
            let ci = ci || field.kind == FieldKind::Text;
            if kind == "prefix" {
                Ok(Query::Prefix {
                    field,
                    value,
                    case_insensitive: ci,
                })
            } else {
                Ok(Query::Wildcard {
                    field,
                    pattern: value,
                    case_insensitive: ci,
                })
            }
        }
        "exists" => {
            let o = object(body, kind)?;
            check_keys(o, kind, &["field"])?;
            let name = o
                .get("field")
                .and_then(Value::as_str)
                .ok_or_else(|| parsing("[exists] must be provided with a [field]"))?;
            Ok(Query::Exists {
                field: schema.field(name)?,
            })
        }
        "range" => parse_range(schema, body, now),
        "ids" => {
            let o = object(body, kind)?;
            check_keys(o, kind, &["values"])?;
            let values = match o.get("values") {
                Some(Value::Array(a)) => a.iter().filter_map(scalar_string).collect(),
                None => Vec::new(),
                Some(_) => return Err(parsing("[ids] query values must be an array")),
            };
            Ok(Query::Ids(values))
        }
        "simple_query_string" => parse_simple_query_string(schema, body, now),
        other if OTHER_ES_QUERIES.contains(&other) => Err(RoleError::illegal_argument(format!(
            "Query type [{other}] is not currently supported in this context"
        ))),
        other => Err(parsing(format!("unknown query [{other}]"))),
    }
}

/// `range`: bounds in document order (`gt`/`gte`/`from` and `lt`/`lte`/`to`, the last one
/// given wins, as Elasticsearch's parser keeps it), `include_lower`/`include_upper`, and for
/// date fields `format` and `time_zone`. Date bounds become inclusive epoch milliseconds.
fn parse_range(schema: &Schema, body: &Value, now: Timestamp) -> Result<Query, RoleError> {
    let (name, body) = single_field(body, "range")?;
    let field = schema.field(name)?;
    let o = object(body, "range")?;
    check_keys(
        o,
        "range",
        &[
            "gt",
            "gte",
            "lt",
            "lte",
            "from",
            "to",
            "include_lower",
            "include_upper",
            "format",
            "time_zone",
            "relation",
        ],
    )?;
    let (mut from, mut to) = (None, None);
    let (mut include_lower, mut include_upper) = (true, true);
    for (k, v) in o {
        match k.as_str() {
            "from" => from = Some(v),
            "to" => to = Some(v),
            "gt" | "gte" => {
                from = Some(v);
                include_lower = k == "gte";
            }
            "lt" | "lte" => {
                to = Some(v);
                include_upper = k == "lte";
            }
            "include_lower" => include_lower = parse_bool(v)? == Value::Bool(true),
            "include_upper" => include_upper = parse_bool(v)? == Value::Bool(true),
            _ => {}
        }
    }
    // A null bound is no bound.
    let from = from.filter(|v| !v.is_null());
    let to = to.filter(|v| !v.is_null());
    let text_option = |key: &str| -> Result<Option<&String>, RoleError> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(parsing(format!("[range] {key} must be a string"))),
        }
    };
    let (format, time_zone) = (text_option("format")?, text_option("time_zone")?);
    if field.kind != FieldKind::Date {
        if time_zone.is_some() {
            return Err(RoleError::illegal_argument(format!(
                "[range] time_zone can not be applied to non date field [{name}]"
            )));
        }
        let bound = |v: Option<&Value>, inclusive: bool| -> Result<_, RoleError> {
            v.map(|v| range_value(&field, v).map(|v| (v, inclusive)))
                .transpose()
        };
        return Ok(Query::Range {
            lower: bound(from, include_lower)?,
            upper: bound(to, include_upper)?,
            field,
        });
    }
    let format = match format {
        Some(f) => DateFormat::new(f).map_err(date_error)?,
        None => DateFormat::default(),
    };
    let time_zone = match time_zone {
        Some(z) => parse_time_zone(z).map_err(date_error)?,
        None => TimeZone::UTC,
    };
    let parser = DateMathParser::new(format, time_zone);
    let lower = from
        .map(|v| {
            parser
                .lower_bound(&date_text(&field, v)?, include_lower, now)
                .map_err(date_error)
        })
        .transpose()?;
    let upper = to
        .map(|v| {
            parser
                .upper_bound(&date_text(&field, v)?, include_upper, now)
                .map_err(date_error)
        })
        .transpose()?;
    Ok(Query::Range {
        lower: lower.map(|ms| (Value::from(ms), true)),
        upper: upper.map(|ms| (Value::from(ms), true)),
        field,
    })
}

/// A bound of a non-date range: compared as the field's values are (keywords and text as
/// strings, so a numeric bound on a keyword compares as its text, as in Elasticsearch).
fn range_value(field: &Field, v: &Value) -> Result<Value, RoleError> {
    match field.kind {
        FieldKind::Boolean => parse_bool(v),
        _ => scalar_string(v)
            .map(Value::String)
            .ok_or_else(|| parsing("[range] bounds must be scalars")),
    }
}

fn clauses(schema: &Schema, v: Option<&Value>, now: Timestamp) -> Result<Vec<Query>, RoleError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().map(|q| parse_query_at(schema, q, now)).collect(),
        Some(q) => Ok(vec![parse_query_at(schema, q, now)?]),
    }
}

fn parse_bool_query(schema: &Schema, body: &Value, now: Timestamp) -> Result<Query, RoleError> {
    let o = object(body, "bool")?;
    check_keys(
        o,
        "bool",
        &[
            "must",
            "filter",
            "should",
            "must_not",
            "minimum_should_match",
            "adjust_pure_negative",
        ],
    )?;
    let must = clauses(schema, o.get("must"), now)?;
    let filter = clauses(schema, o.get("filter"), now)?;
    let should = clauses(schema, o.get("should"), now)?;
    let must_not = clauses(schema, o.get("must_not"), now)?;
    let minimum_should_match = match o.get("minimum_should_match") {
        None | Some(Value::Null) => {
            usize::from(!should.is_empty() && must.is_empty() && filter.is_empty())
        }
        Some(v) => minimum_should_match(v, should.len())?,
    };
    Ok(Query::Bool {
        must,
        filter,
        should,
        must_not,
        minimum_should_match,
    })
}

/// `minimum_should_match` as an integer, a negative integer (all but n), or a percentage.
fn minimum_should_match(v: &Value, clauses: usize) -> Result<usize, RoleError> {
    let text = scalar_string(v).unwrap_or_default();
    let n = clauses as i64;
    let resolved = if let Some(p) = text.strip_suffix('%') {
        let p: i64 = p.trim().parse().map_err(|_| {
            parsing(format!(
                "[bool] failed to parse minimum_should_match [{text}]"
            ))
        })?;
        let r = n.saturating_mul(p.saturating_abs()) / 100;
        if p < 0 { n - r.min(n) } else { r }
    } else {
        let i: i64 = text.trim().parse().map_err(|_| {
            parsing(format!(
                "[bool] failed to parse minimum_should_match [{text}]"
            ))
        })?;
        if i < 0 { n.saturating_add(i) } else { i }
    };
    Ok(resolved.max(0) as usize)
}

fn parse_simple_query_string(
    schema: &Schema,
    body: &Value,
    now: Timestamp,
) -> Result<Query, RoleError> {
    let o = object(body, "simple_query_string")?;
    check_keys(
        o,
        "simple_query_string",
        &[
            "query",
            "fields",
            "default_operator",
            "analyze_wildcard",
            "flags",
            "lenient",
            "minimum_should_match",
            "auto_generate_synonyms_phrase_query",
        ],
    )?;
    let text = o
        .get("query")
        .and_then(Value::as_str)
        .ok_or_else(|| parsing("[simple_query_string] query text missing"))?;
    let fields = match o.get("fields") {
        None => schema.default_text_fields(),
        Some(Value::Array(a)) => {
            let mut out = Vec::new();
            for f in a {
                let name = f
                    .as_str()
                    .ok_or_else(|| parsing("[simple_query_string] fields must be strings"))?;
                out.extend(schema.fields_matching(name)?);
            }
            out
        }
        Some(_) => return Err(parsing("[simple_query_string] fields must be an array")),
    };
    let all = match o.get("default_operator").and_then(Value::as_str) {
        Some(op) => op.eq_ignore_ascii_case("and"),
        None => false,
    };
    // One clause per term: a term matches when any field matches it.
    let mut must = Vec::new();
    let mut should = Vec::new();
    let mut must_not = Vec::new();
    for (sign, term) in simple_terms(text) {
        let per_field: Vec<Query> = fields
            .iter()
            .filter_map(|f| simple_term_query(f, &term, now))
            .collect();
        let clause = Query::Bool {
            must: Vec::new(),
            filter: Vec::new(),
            minimum_should_match: 1,
            should: per_field,
            must_not: Vec::new(),
        };
        match sign {
            '+' => must.push(clause),
            '-' => must_not.push(clause),
            _ if all => must.push(clause),
            _ => should.push(clause),
        }
    }
    let msm = usize::from(!should.is_empty() && must.is_empty());
    Ok(Query::Bool {
        must,
        filter: Vec::new(),
        should,
        must_not,
        minimum_should_match: msm,
    })
}

/// Terms of a `simple_query_string` with their `+`/`-` sign (`' '` for none); quoted phrases
/// stay one term.
fn simple_terms(text: &str) -> Vec<(char, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == '|' {
            chars.next();
            continue;
        }
        let mut sign = ' ';
        if c == '+' || c == '-' {
            sign = c;
            chars.next();
        }
        let mut term = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for ch in chars.by_ref() {
                if ch == '"' {
                    break;
                }
                term.push(ch);
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                term.push(ch);
                chars.next();
            }
        }
        if !term.is_empty() {
            out.push((sign, term));
        }
    }
    out
}

fn simple_term_query(field: &Field, term: &str, now: Timestamp) -> Option<Query> {
    if let Some(prefix) = term.strip_suffix('*') {
        return Some(Query::Prefix {
            field: field.clone(),
            value: prefix.to_string(),
            case_insensitive: field.kind == FieldKind::Text,
        });
    }
    match field.kind {
        FieldKind::Text => Some(Query::Match {
            field: field.clone(),
            words: words(term),
            all: true,
        }),
        // A term that is not a value of the field's type matches nothing (`lenient`).
        _ => terms_query(
            field.clone(),
            &[&Value::String(term.to_string())],
            false,
            now,
        )
        .ok(),
    }
}

/// Lower-cased words, as the standard analyser roughly splits them.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// `from`/`size`: a Java `int`, as Elasticsearch reads them.
fn to_usize(v: &Value, what: &str) -> Result<i64, RoleError> {
    v.as_i64()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| x_content(format!("[{what}] failed to parse field [{what}]")))
}

fn parse_sort(schema: &Schema, v: &Value) -> Result<Vec<SortField>, RoleError> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for item in items {
        let (name, order) = match item {
            Value::String(s) => (s.clone(), None),
            Value::Object(o) if o.len() == 1 => {
                let (name, spec) = o.iter().next().ok_or_else(|| parsing("empty sort"))?;
                let order = match spec {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(so) => {
                        for k in so.keys() {
                            if !matches!(
                                k.as_str(),
                                "order" | "missing" | "unmapped_type" | "format"
                            ) {
                                return Err(parsing(format!("[field_sort] unknown field [{k}]")));
                            }
                        }
                        so.get("order").and_then(Value::as_str).map(str::to_string)
                    }
                    _ => return Err(parsing(format!("[sort] malformed sort for [{name}]"))),
                };
                (name.clone(), order)
            }
            _ => return Err(parsing("[sort] must be a field name or an object")),
        };
        let desc = match order.as_deref() {
            None => false,
            Some(o) if o.eq_ignore_ascii_case("asc") => false,
            Some(o) if o.eq_ignore_ascii_case("desc") => true,
            Some(o) => {
                return Err(RoleError::illegal_argument(format!(
                    "Unknown SortOrder [{o}]"
                )));
            }
        };
        if name == "_doc" {
            out.push(SortField { field: None, desc });
            continue;
        }
        let field = schema.field(&name)?;
        if field.kind == FieldKind::Text && !schema.sortable_text.contains(&name.as_str()) {
            return Err(RoleError::illegal_argument(format!(
                "sorting is not supported for field [{name}]"
            )));
        }
        out.push(SortField {
            field: Some(field),
            desc,
        });
    }
    Ok(out)
}

/// A `search_after` value in the form the sort key's values take, so that it compares with
/// them (`null` stays: it sorts with documents missing the field).
fn search_after_value(v: &Value, key: &SortField, now: Timestamp) -> Result<Value, RoleError> {
    let Some(field) = &key.field else {
        // `_doc`: a document position.
        return v
            .as_i64()
            .map(Value::from)
            .ok_or_else(|| search_after_error("_doc"));
    };
    match (field.kind, v) {
        (_, Value::Null) => Ok(Value::Null),
        // A number is already epoch milliseconds (`long` sort values).
        (FieldKind::Date, Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Value::from)
            .ok_or_else(|| search_after_error(&field.name)),
        (FieldKind::Date, Value::String(_)) => normalise(field, v, now),
        (FieldKind::Boolean, Value::Bool(_) | Value::String(_)) => parse_bool(v),
        (
            FieldKind::Keyword | FieldKind::Flattened,
            Value::String(_) | Value::Number(_) | Value::Bool(_),
        ) => normalise(field, v, now),
        (FieldKind::Text, Value::String(s)) => Ok(Value::String(s.clone())),
        _ => Err(search_after_error(&field.name)),
    }
}

fn search_after_error(field: &str) -> RoleError {
    RoleError::illegal_argument(format!(
        "Failed to parse search_after value for field [{field}]."
    ))
}

/// Parses a search body (`None`: no body, i.e. match everything).
pub fn parse_request(schema: &Schema, body: Option<&Value>) -> Result<SearchRequest, RoleError> {
    parse_request_at(schema, body, Timestamp::now())
}

/// [`parse_request`] with date math evaluated at `now`.
pub fn parse_request_at(
    schema: &Schema,
    body: Option<&Value>,
    now: Timestamp,
) -> Result<SearchRequest, RoleError> {
    let empty = Map::new();
    let o = match body {
        None => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(x_content(format!(
                "[{}] Expected START_OBJECT",
                schema.request_name
            )));
        }
    };
    let mut query = Query::MatchAll;
    let mut from = 0i64;
    let mut size = DEFAULT_SIZE;
    let mut sort = Vec::new();
    let mut search_after = None;
    for (k, v) in o {
        match k.as_str() {
            "query" => query = parse_query_at(schema, v, now)?,
            "from" => from = to_usize(v, "from")?,
            "size" => size = to_usize(v, "size")?,
            "sort" => sort = parse_sort(schema, v)?,
            "search_after" => match v {
                Value::Array(a) => search_after = Some(a.clone()),
                _ => return Err(x_content("[search_after] must be an array")),
            },
            other => {
                return Err(x_content(format!(
                    "[{}] unknown field [{other}]",
                    schema.request_name
                )));
            }
        }
    }
    let mut errors = Vec::new();
    if from < 0 {
        errors.push(format!(
            "[from] parameter cannot be negative but was [{from}]"
        ));
    }
    if size < 0 {
        errors.push(format!(
            "[size] parameter cannot be negative but was [{size}]"
        ));
    }
    if !errors.is_empty() {
        return Err(RoleError::validation(&errors));
    }
    // Both are Java ints (checked above), so their sum cannot overflow an i64.
    if from + size > MAX_RESULT_WINDOW {
        return Err(RoleError::illegal_argument(format!(
            "Result window is too large, from + size must be less than or equal to: [{MAX_RESULT_WINDOW}] but was [{}]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.",
            from + size
        )));
    }
    if let Some(after) = &mut search_after {
        if from > 0 {
            return Err(RoleError::validation(&[
                "`from` parameter must be set to 0 when `search_after` is used".to_string(),
            ]));
        }
        if sort.is_empty() {
            return Err(RoleError::illegal_argument(
                "search_after requires a [sort] in the request",
            ));
        }
        if after.len() != sort.len() {
            return Err(RoleError::illegal_argument(format!(
                "search_after has {} value(s) but sort has {}.",
                after.len(),
                sort.len()
            )));
        }
        *after = after
            .iter()
            .zip(&sort)
            .map(|(v, key)| search_after_value(v, key, now))
            .collect::<Result<_, _>>()?;
    }
    Ok(SearchRequest {
        query,
        from: from as usize,
        size: size as usize,
        sort,
        search_after,
    })
}

/// The scalar values at a dotted path (arrays flattened).
fn values_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    // Most fields are top-level: one lookup, no intermediate lists.
    if !path.contains('.')
        && let Value::Object(o) = doc
    {
        return match o.get(path) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().filter(|x| !x.is_null()).collect(),
            Some(other) => vec![other],
        };
    }
    let mut current = vec![doc];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(o) => {
                    if let Some(x) = o.get(part) {
                        next.push(x);
                    }
                }
                Value::Array(a) => {
                    for e in a {
                        if let Some(x) = e.get(part) {
                            next.push(x);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for v in current {
        match v {
            Value::Array(a) => out.extend(a.iter().filter(|x| !x.is_null())),
            Value::Null => {}
            other => out.push(other),
        }
    }
    out
}

/// The comparable forms of a field's values (text fields: their words).
fn field_values<'a>(doc: &'a Value, field: &Field) -> Vec<Cow<'a, Value>> {
    let raw = values_at(doc, &field.path);
    match field.kind {
        FieldKind::Text => raw
            .iter()
            .filter_map(|v| scalar_string(v))
            .flat_map(|s| words(&s))
            .map(|w| Cow::Owned(Value::String(w)))
            .collect(),
        // Strings as they are (borrowed: queries over many documents allocate nothing here).
        FieldKind::Keyword | FieldKind::Flattened => raw
            .into_iter()
            .filter_map(|v| match v {
                Value::String(_) => Some(Cow::Borrowed(v)),
                other => scalar_string(other).map(|s| Cow::Owned(Value::String(s))),
            })
            .collect(),
        FieldKind::Boolean | FieldKind::Date => raw.into_iter().map(Cow::Borrowed).collect(),
    }
}

/// A total order over values (sorting with a comparator that is not one may panic): values
/// of different JSON types order by type, numbers numerically, strings by their UTF-8 bytes
/// (Elasticsearch's keyword order). Query values are normalised to the type of the field's
/// values, so mixed types only meet on malformed documents.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => x
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&y.as_f64().unwrap_or(0.0)),
        },
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => {
            a.to_string().cmp(&b.to_string())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn text_of(v: &Value, lower: bool) -> Cow<'_, str> {
    let s = match v {
        Value::String(s) => Cow::Borrowed(s.as_str()),
        other => Cow::Owned(scalar_string(other).unwrap_or_default()),
    };
    if lower {
        Cow::Owned(s.to_lowercase())
    } else {
        s
    }
}

/// Whether `doc` matches `query`.
pub fn matches(query: &Query, doc: &Value, id_path: &str) -> bool {
    match query {
        Query::MatchAll => true,
        Query::Bool {
            must,
            filter,
            should,
            must_not,
            minimum_should_match,
        } => {
            must.iter().chain(filter).all(|q| matches(q, doc, id_path))
                && !must_not.iter().any(|q| matches(q, doc, id_path))
                && should.iter().filter(|q| matches(q, doc, id_path)).count()
                    >= *minimum_should_match
        }
        Query::Terms {
            field,
            values,
            case_insensitive,
        } => {
            let have = field_values(doc, field);
            have.iter().any(|h| {
                values.iter().any(|v| {
                    if *case_insensitive {
                        text_of(h, true) == text_of(v, true)
                    } else {
                        compare_values(h, v) == Ordering::Equal && same_kind(h, v)
                    }
                })
            })
        }
        Query::Match { field, words, all } => {
            let have = field_values(doc, field);
            let has = |w: &String| have.iter().any(|h| h.as_str() == Some(w.as_str()));
            if words.is_empty() {
                false
            } else if *all {
                words.iter().all(has)
            } else {
                words.iter().any(has)
            }
        }
        Query::Prefix {
            field,
            value,
            case_insensitive,
        } => {
            let prefix: Cow<'_, str> = if *case_insensitive {
                Cow::Owned(value.to_lowercase())
            } else {
                Cow::Borrowed(value)
            };
            field_values(doc, field)
                .iter()
                .any(|h| text_of(h, *case_insensitive).starts_with(prefix.as_ref()))
        }
        Query::Wildcard {
            field,
            pattern,
            case_insensitive,
        } => {
            let syntax = if *case_insensitive {
                Syntax::LUCENE.ignore_case()
            } else {
                Syntax::LUCENE
            };
            field_values(doc, field)
                .iter()
                .any(|h| wildcard::matches_with(pattern, &text_of(h, false), syntax))
        }
        Query::Exists { field } => !values_at(doc, &field.path).is_empty(),
        Query::Range {
            field,
            lower,
            upper,
        } => field_values(doc, field).iter().any(|h| {
            let above = lower.as_ref().is_none_or(|(b, inclusive)| {
                let o = compare_values(h, b);
                o == Ordering::Greater || (*inclusive && o == Ordering::Equal)
            });
            let below = upper.as_ref().is_none_or(|(b, inclusive)| {
                let o = compare_values(h, b);
                o == Ordering::Less || (*inclusive && o == Ordering::Equal)
            });
            above && below
        }),
        Query::Ids(ids) => values_at(doc, id_path)
            .iter()
            .filter_map(|v| v.as_str())
            .any(|id| ids.iter().any(|i| i == id)),
    }
}

/// Equality of normalised values also needs the same JSON type (`"1"` is not `true`).
fn same_kind(a: &Value, b: &Value) -> bool {
    matches!(
        (a, b),
        (Value::String(_), Value::String(_))
            | (Value::Number(_), Value::Number(_))
            | (Value::Bool(_), Value::Bool(_))
    )
}

/// The sort value of `doc` for `key`: the smallest value ascending, the largest descending.
fn sort_value(doc: &Value, index: usize, key: &SortField) -> Option<Value> {
    let Some(field) = &key.field else {
        return Some(Value::from(index));
    };
    let values: Vec<Cow<'_, Value>> = if field.kind == FieldKind::Text {
        values_at(doc, &field.path)
            .into_iter()
            .map(Cow::Borrowed)
            .collect()
    } else {
        field_values(doc, field)
    };
    let best = if key.desc {
        values.into_iter().max_by(|a, b| compare_values(a, b))
    } else {
        values.into_iter().min_by(|a, b| compare_values(a, b))
    };
    best.map(Cow::into_owned)
}

/// Compares sort tuples; missing values sort last in both orders, as Elasticsearch's default.
fn compare_keys(a: &[Option<Value>], b: &[Option<Value>], keys: &[SortField]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let o = match (x, y) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = compare_values(x, y);
                if key.desc { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Runs `request` over `docs`: filter, order, `search_after`, then `from`/`size`.
pub fn execute<D: std::borrow::Borrow<Value>>(
    schema: &Schema,
    request: &SearchRequest,
    docs: &[D],
) -> SearchResult {
    let doc = |i: usize| docs[i].borrow();
    let matching: Vec<usize> = (0..docs.len())
        .filter(|&i| matches(&request.query, doc(i), schema.id_path))
        .collect();
    let total = matching.len();
    let keys: Vec<SortField> = if request.sort.is_empty() {
        schema
            .default_order
            .iter()
            .filter_map(|f| {
                let (n, p, k) = schema.fields.iter().find(|(n, _, _)| n == f)?;
                Some(SortField {
                    field: Some(Field {
                        name: (*n).to_string(),
                        path: (*p).to_string(),
                        kind: *k,
                    }),
                    desc: false,
                })
            })
            .collect()
    } else {
        request.sort.clone()
    };
    let mut keyed: Vec<(usize, Vec<Option<Value>>)> = matching
        .into_iter()
        .map(|i| (i, keys.iter().map(|k| sort_value(doc(i), i, k)).collect()))
        .collect();
    if let Some(after) = &request.search_after {
        // Already in the sort keys' value forms (see `search_after_value`).
        let after: Vec<Option<Value>> = after
            .iter()
            .map(|v| (!v.is_null()).then(|| v.clone()))
            .collect();
        keyed.retain(|(_, k)| compare_keys(k, &after, &keys) == Ordering::Greater);
    }
    let order = |(ia, a): &(usize, Vec<Option<Value>>), (ib, b): &(usize, Vec<Option<Value>>)| {
        compare_keys(a, b, &keys).then(ia.cmp(ib))
    };
    // Only the page is ordered: with many documents, selecting it first is what keeps a
    // query over a large store cheap.
    let wanted = request.from.saturating_add(request.size);
    if wanted < keyed.len() {
        keyed.select_nth_unstable_by(wanted, order);
        keyed.truncate(wanted);
    }
    keyed.sort_by(order);
    let hits = keyed
        .into_iter()
        .skip(request.from)
        .take(request.size)
        .map(|(i, k)| {
            let sort = (!request.sort.is_empty())
                .then(|| k.into_iter().map(|v| v.unwrap_or(Value::Null)).collect());
            (i, sort)
        })
        .collect();
    SearchResult { total, hits }
}

/// Milliseconds since the epoch now.
pub fn now_ms() -> i64 {
    ironstack_types::date::now_millis()
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
