//! Search requests: the body of `_search` read as `SearchSourceBuilder.parseXContent` reads
//! it (every key by the JSON token it carries, `Unknown key for a VALUE_STRING in [foo].`
//! otherwise; `sort` in all its forms, `_source` in all its forms, `fields`,
//! `docvalue_fields`, `search_after`, `pit`, aggregations (also kept as JSON) and
//! `highlight`), then the URL parameters as `RestSearchAction.parseSearchRequest` applies
//! them (`q` and its companions, `from`, `size`, `sort=f:desc`, `_source*`,
//! `track_total_hits`, ...), then the request's validation. The parameters that only the
//! REST layer uses (`search_type`, indices options, `scroll`, `rest_total_hits_as_int`, ...)
//! come back in [`SearchParams`]. Also the `_count` request.

use std::time::Duration;

use ironstack_types::TimeValue;
use serde_json::Value;

use crate::StoreError;
use crate::query::highlight::parse_highlight;
use crate::query::node::{Kind, Node, illegal, parsing, unknown_field, x_content};
use crate::query::parse::{FieldType, check_type, object_field, parse_top};
use crate::query::query_string::url_query;
use crate::query::source_filter::{parse_source_params, split_commas};
use crate::query::{
    FieldAndFormat, Missing, PointInTime, Query, Scalar, SearchRequest, SortBy, SortMode,
    SortOrder, SortSpec, SourceFilter, TrackTotalHits,
};

/// A request body as the REST layer has it.
#[derive(Debug, Clone, Copy)]
pub enum SearchBody<'a> {
    /// No body.
    None,
    /// A parsed body (errors carry no `line`/`col`).
    Json(&'a Value),
    /// The body's bytes (errors carry Elasticsearch's `line`/`col`).
    Bytes(&'a [u8]),
}

impl SearchBody<'_> {
    fn node(self) -> Result<Option<Node>, StoreError> {
        match self {
            SearchBody::None => Ok(None),
            SearchBody::Json(v) => Ok(Some(Node::from_value(v))),
            SearchBody::Bytes([]) => Ok(None),
            SearchBody::Bytes(b) if b.iter().all(u8::is_ascii_whitespace) => Err(parsing(
                crate::query::node::Loc { line: 1, col: 1 },
                "Expected [START_OBJECT] but found [null]",
            )),
            SearchBody::Bytes(b) => Node::from_slice(b).map(Some),
        }
    }
}

/// `search_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchType {
    /// `query_then_fetch` (the default).
    #[default]
    QueryThenFetch,
    /// `dfs_query_then_fetch`: term statistics gathered first (one shard here: the same).
    DfsQueryThenFetch,
}

impl SearchType {
    /// `SearchType.fromString`.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "query_then_fetch" => Ok(Self::QueryThenFetch),
            "dfs_query_then_fetch" => Ok(Self::DfsQueryThenFetch),
            other => Err(illegal(format!("No search type for [{other}]"))),
        }
    }
}

pub use ironstack_types::index_space::{ExpandWildcards, IndicesOptions};

/// `IndicesOptions.fromParameters` with the store's error.
pub(crate) fn indices_options(
    expand_wildcards: Option<&str>,
    ignore_unavailable: Option<&str>,
    allow_no_indices: Option<&str>,
    defaults: IndicesOptions,
) -> Result<IndicesOptions, StoreError> {
    defaults
        .from_parameters(expand_wildcards, ignore_unavailable, allow_no_indices)
        .map_err(|e| illegal(e.to_string()))
}

/// `XContentMapValues.nodeBooleanValue(value, name, default)`: empty is the default.
pub(crate) fn node_boolean(value: &str, name: &str, default: bool) -> Result<bool, StoreError> {
    ironstack_types::index_space::node_boolean(value, name, default)
        .map_err(|e| illegal(e.to_string()))
}

/// The URL parameters of `_search` that the REST layer acts on itself.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// `rest_total_hits_as_int`: `hits.total` as a number.
    pub rest_total_hits_as_int: bool,
    /// `typed_keys`: aggregation names prefixed with their type.
    pub typed_keys: bool,
    /// `search_type`.
    pub search_type: SearchType,
    /// `ignore_unavailable`, `allow_no_indices`, `expand_wildcards`.
    pub indices_options: IndicesOptions,
    /// `scroll`: keep a scroll context this long.
    pub scroll: Option<Duration>,
    /// `routing`.
    pub routing: Option<String>,
    /// `preference`.
    pub preference: Option<String>,
    /// `request_cache`.
    pub request_cache: Option<bool>,
    /// `allow_partial_search_results`.
    pub allow_partial_search_results: Option<bool>,
    /// `ccs_minimize_roundtrips`.
    pub ccs_minimize_roundtrips: Option<bool>,
    /// `batched_reduce_size`.
    pub batched_reduce_size: Option<u32>,
    /// `max_concurrent_shard_requests`.
    pub max_concurrent_shard_requests: Option<u32>,
    /// `pre_filter_shard_size`.
    pub pre_filter_shard_size: Option<u32>,
}

impl Default for SearchParams {
    fn default() -> Self {
        Self {
            rest_total_hits_as_int: false,
            typed_keys: false,
            search_type: SearchType::default(),
            indices_options: IndicesOptions::STRICT_EXPAND_OPEN,
            scroll: None,
            routing: None,
            preference: None,
            request_cache: None,
            allow_partial_search_results: None,
            ccs_minimize_roundtrips: None,
            batched_reduce_size: None,
            max_concurrent_shard_requests: None,
            pre_filter_shard_size: None,
        }
    }
}

/// Every URL parameter `_search` accepts (the REST layer refuses others with
/// `request [..] contains unrecognized parameter`).
pub const SEARCH_PARAMETERS: &[&str] = &[
    "allow_no_indices",
    "allow_partial_search_results",
    "analyze_wildcard",
    "analyzer",
    "batched_reduce_size",
    "ccs_minimize_roundtrips",
    "default_operator",
    "df",
    "docvalue_fields",
    "expand_wildcards",
    "explain",
    "from",
    "ignore_throttled",
    "ignore_unavailable",
    "include_named_queries_score",
    "index",
    "lenient",
    "max_concurrent_shard_requests",
    "pre_filter_shard_size",
    "preference",
    "q",
    "request_cache",
    "rest_total_hits_as_int",
    "routing",
    "scroll",
    "search_type",
    "seq_no_primary_term",
    "size",
    "sort",
    "_source",
    "_source_excludes",
    "_source_includes",
    "stats",
    "stored_fields",
    "suggest_field",
    "suggest_mode",
    "suggest_size",
    "suggest_text",
    "terminate_after",
    "timeout",
    "track_scores",
    "track_total_hits",
    "typed_keys",
    "version",
];

/// The last value of a URL parameter.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `RestRequest.paramAsBoolean`: present but empty is `true`.
pub(crate) fn param_bool(
    params: &[(String, String)],
    name: &str,
) -> Result<Option<bool>, StoreError> {
    match param(params, name) {
        None => Ok(None),
        Some("") => Ok(Some(true)),
        Some(v) => crate::query::node::parse_boolean(v).map(Some),
    }
}

/// `RestRequest.paramAsInt`.
pub(crate) fn param_int(
    params: &[(String, String)],
    name: &str,
) -> Result<Option<i32>, StoreError> {
    param(params, name)
        .map(|v| {
            v.parse::<i32>().map_err(|_| {
                illegal(format!(
                    "Failed to parse int parameter [{name}] with value [{v}]"
                ))
            })
        })
        .transpose()
}

fn param_time(params: &[(String, String)], name: &str) -> Result<Option<TimeValue>, StoreError> {
    param(params, name)
        .map(|v| TimeValue::parse(v, name).map_err(|e| illegal(e.to_string())))
        .transpose()
}

fn param_u32(params: &[(String, String)], name: &str) -> Result<Option<u32>, StoreError> {
    Ok(param_int(params, name)?.map(|n| n.max(0) as u32))
}

/// The query of the `q` parameter (`RestActions.urlParamsToQueryBuilder`), with `df`,
/// `analyzer`, `analyze_wildcard`, `lenient` and `default_operator`; `None` without `q`.
/// `path` names the request in the error for companions given without `q`.
pub fn query_from_params(
    path: &str,
    params: &[(String, String)],
) -> Result<Option<Query>, StoreError> {
    const COMPANIONS: &[&str] = &[
        "df",
        "analyzer",
        "analyze_wildcard",
        "lenient",
        "default_operator",
    ];
    let Some(q) = param(params, "q") else {
        let given: Vec<&str> = COMPANIONS
            .iter()
            .copied()
            .filter(|k| param(params, k).is_some())
            .collect();
        if !given.is_empty() {
            return Err(illegal(format!(
                "request [{path}] contains parameters [{}] but query string parameter 'q' is absent",
                given.join(", ")
            )));
        }
        return Ok(None);
    };
    param_bool(params, "analyze_wildcard")?;
    let lenient = param_bool(params, "lenient")?;
    url_query(
        q,
        param(params, "df"),
        param(params, "analyzer"),
        lenient,
        param(params, "default_operator"),
    )
    .map(Some)
}

/// What is stored besides `_source` (`stored_fields`).
#[derive(Debug, Clone, PartialEq)]
enum StoredFields {
    /// `_none_`: no stored field, not even `_source` or the metadata.
    Disabled,
    Names(Vec<String>),
}

/// The request as it is being built, with what validation needs to know.
struct Source {
    request: SearchRequest,
    track_total_hits_set: bool,
    source_set: bool,
    fields_set: bool,
    stored_fields: Option<StoredFields>,
}

impl Source {
    fn from(&mut self, from: i32) -> Result<(), StoreError> {
        if from < 0 {
            return Err(illegal(format!(
                "[from] parameter cannot be negative but was [{from}]"
            )));
        }
        self.request.from = from as usize;
        Ok(())
    }

    fn size(&mut self, size: i32) -> Result<(), StoreError> {
        if size < 0 {
            return Err(illegal(format!(
                "[size] parameter cannot be negative, found [{size}]"
            )));
        }
        self.request.size = size as usize;
        Ok(())
    }

    fn terminate_after(&mut self, n: i32) -> Result<(), StoreError> {
        if n < 0 {
            return Err(illegal("terminateAfter must be > 0"));
        }
        self.request.terminate_after = (n > 0).then_some(n as u64);
        Ok(())
    }

    fn timeout(&mut self, text: &str) -> Result<(), StoreError> {
        let t = TimeValue::parse(text, "timeout").map_err(|e| illegal(e.to_string()))?;
        self.request.timeout = t.to_duration();
        Ok(())
    }

    fn track_total_hits_up_to(&mut self, n: i32) -> Result<(), StoreError> {
        if n < -1 {
            return Err(illegal(format!(
                "[track_total_hits] parameter must be positive or equals to -1, got {n}"
            )));
        }
        self.request.track_total_hits = match n {
            -1 => TrackTotalHits::Off,
            i32::MAX => TrackTotalHits::Exact,
            n => TrackTotalHits::UpTo(n as u64),
        };
        self.track_total_hits_set = true;
        Ok(())
    }

    fn track_total_hits(&mut self, on: bool) {
        self.request.track_total_hits = if on {
            TrackTotalHits::Exact
        } else {
            TrackTotalHits::Off
        };
        self.track_total_hits_set = true;
    }

    fn stored_fields(&mut self, names: Vec<String>) -> Result<(), StoreError> {
        self.stored_fields = Some(if names.len() == 1 && names[0] == "_none_" {
            StoredFields::Disabled
        } else if names.iter().any(|n| n == "_none_") {
            return Err(illegal("cannot combine _none_ with other fields"));
        } else {
            StoredFields::Names(names)
        });
        Ok(())
    }
}

fn unsupported(what: &str) -> StoreError {
    illegal(format!("[{what}] is not supported"))
}

fn unknown_key(key: &str, value: &Node) -> StoreError {
    parsing(
        value.at,
        format!("Unknown key for a {} in [{key}].", value.token()),
    )
}

/// `SearchSourceBuilder.parseXContent`.
fn parse_body(node: &Node, src: &mut Source) -> Result<(), StoreError> {
    let Some(fields) = node.as_object() else {
        return Err(parsing(
            node.at,
            format!("Expected [START_OBJECT] but found [{}]", node.token()),
        ));
    };
    for field in fields {
        let v = &field.value;
        let key = field.key.as_str();
        match &v.kind {
            _ if v.is_value() => match key {
                "from" => src.from(v.int_value()?)?,
                "size" => src.size(v.int_value()?)?,
                "timeout" => src.timeout(&v.text()?)?,
                "terminate_after" => src.terminate_after(v.int_value()?)?,
                "min_score" => src.request.min_score = Some(v.float_value()?),
                "version" => src.request.version = v.bool_value()?,
                "seq_no_primary_term" => src.request.seq_no_primary_term = v.bool_value()?,
                "explain" | "profile" => {
                    if v.bool_value()? {
                        return Err(unsupported(key));
                    }
                }
                "track_scores" => src.request.track_scores = v.bool_value()?,
                "track_total_hits" => {
                    let boolean = matches!(v.kind, Kind::Bool(_))
                        || matches!(v.as_str(), Some("true" | "false"));
                    if boolean {
                        src.track_total_hits(v.bool_value()?);
                    } else {
                        src.track_total_hits_up_to(v.int_value()?)?;
                    }
                }
                "_source" => {
                    src.request.source = fetch_source(v)?;
                    src.source_set = true;
                }
                "stored_fields" => src.stored_fields(stored_field_names(v)?)?,
                "sort" => src.request.sort = vec![field_or_score(&v.text()?)],
                _ => return Err(unknown_key(key, v)),
            },
            Kind::Object(entries) => match key {
                "query" => src.request.query = parse_top(v)?,
                "post_filter" => src.request.post_filter = Some(parse_top(v)?),
                "_source" => {
                    src.request.source = fetch_source(v)?;
                    src.source_set = true;
                }
                "script_fields" | "runtime_mappings" => {
                    if !entries.is_empty() {
                        return Err(unsupported(key));
                    }
                }
                "aggregations" | "aggs" => {
                    src.request.aggs = Some(crate::aggs::parse_node(v)?);
                    src.request.aggregations = Some(v.to_value());
                }
                "highlight" => src.request.highlight = Some(parse_highlight(v)?),
                "sort" => src.request.sort = parse_sort(v)?,
                "pit" => src.request.point_in_time = Some(parse_pit(v)?),
                "retriever" | "knn" | "rank" | "suggest" | "rescore" | "ext" | "slice"
                | "collapse" => return Err(unsupported(key)),
                _ => return Err(unknown_key(key, v)),
            },
            Kind::Array(items) => match key {
                "stored_fields" => src.stored_fields(stored_field_names(v)?)?,
                "docvalue_fields" => {
                    src.request.docvalue_fields = items
                        .iter()
                        .map(field_and_format)
                        .collect::<Result<_, _>>()?;
                }
                "fields" => {
                    src.request.fields = items
                        .iter()
                        .map(field_and_format)
                        .collect::<Result<_, _>>()?;
                    src.fields_set = true;
                }
                "sort" => src.request.sort = parse_sort(v)?,
                "stats" => {
                    for item in items {
                        if item.as_str().is_none() {
                            return Err(parsing(
                                item.at,
                                format!(
                                    "Expected [VALUE_STRING] in [stats] but found [{}]",
                                    item.token()
                                ),
                            ));
                        }
                    }
                }
                "_source" => {
                    src.request.source = fetch_source(v)?;
                    src.source_set = true;
                }
                "search_after" => src.request.search_after = Some(search_after(v)?),
                "indices_boost" | "rescore" | "knn" | "sub_searches" => {
                    return Err(unsupported(key));
                }
                _ => return Err(unknown_key(key, v)),
            },
            _ => return Err(unknown_key(key, v)),
        }
    }
    Ok(())
}

/// `FetchSourceContext.fromXContent`.
pub(crate) fn fetch_source(node: &Node) -> Result<SourceFilter, StoreError> {
    let unknown =
        |key: &str, v: &Node| parsing(v.at, format!("Unknown key for a {} in [{key}].", v.token()));
    let strings = |key: &str, v: &Node| -> Result<Vec<String>, StoreError> {
        match &v.kind {
            Kind::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| unknown(key, i))
                })
                .collect(),
            Kind::String(s) => Ok(vec![s.clone()]),
            _ => Err(unknown(key, v)),
        }
    };
    match &node.kind {
        Kind::Bool(fetch) => Ok(SourceFilter::from_parts(*fetch, Vec::new(), Vec::new())),
        Kind::String(s) => Ok(SourceFilter::from_parts(true, vec![s.clone()], Vec::new())),
        Kind::Array(items) => {
            let includes = items.iter().map(Node::text).collect::<Result<_, _>>()?;
            Ok(SourceFilter::from_parts(true, includes, Vec::new()))
        }
        Kind::Object(fields) => {
            let mut includes = Vec::new();
            let mut excludes = Vec::new();
            for field in fields {
                match field.key.as_str() {
                    "includes" | "include" => includes = strings(&field.key, &field.value)?,
                    "excludes" | "exclude" => excludes = strings(&field.key, &field.value)?,
                    key => return Err(unknown(key, &field.value)),
                }
            }
            Ok(SourceFilter::from_parts(true, includes, excludes))
        }
        _ => Err(parsing(
            node.at,
            format!(
                "Expected one of [VALUE_BOOLEAN, START_OBJECT] but found [{}]",
                node.token()
            ),
        )),
    }
}

fn stored_field_names(node: &Node) -> Result<Vec<String>, StoreError> {
    match &node.kind {
        Kind::String(s) => Ok(vec![s.clone()]),
        Kind::Array(items) => items.iter().map(Node::text).collect(),
        _ => Err(parsing(
            node.at,
            format!(
                "Expected [VALUE_STRING] or [START_ARRAY] in [stored_fields] but found [{}]",
                node.token()
            ),
        )),
    }
}

/// `FieldAndFormat.fromXContent`: a name, or `{"field": .., "format": ..}`.
fn field_and_format(node: &Node) -> Result<FieldAndFormat, StoreError> {
    const PARSER: &str = "fetch_field_and_format";
    if node.is_value() {
        return Ok(FieldAndFormat {
            field: node.text()?,
            format: None,
        });
    }
    let Some(fields) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!("[{PARSER}] Expected START_OBJECT but was: {}", node.token()),
        ));
    };
    let mut field = None;
    let mut format = None;
    for f in fields {
        match f.key.as_str() {
            "field" => {
                check_type(PARSER, f, FieldType::String)?;
                field = f.value.as_str().map(str::to_string);
            }
            "format" => {
                check_type(PARSER, f, FieldType::String)?;
                format = f.value.as_str().map(str::to_string);
            }
            "include_unmapped" => {
                check_type(PARSER, f, FieldType::Boolean)?;
                object_field(PARSER, f, Node::bool_value)?;
            }
            other => {
                return Err(unknown_field(
                    f.key_at,
                    PARSER,
                    other,
                    &["field", "format", "include_unmapped"],
                ));
            }
        }
    }
    let field = field.ok_or_else(|| illegal("Required [field]"))?;
    Ok(FieldAndFormat { field, format })
}

/// `SearchAfterBuilder.fromXContent`: scalars only, at least one.
fn search_after(node: &Node) -> Result<Vec<Value>, StoreError> {
    let items = node.as_array().unwrap_or_default();
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        if !item.is_value() {
            return Err(parsing(
                item.at,
                format!(
                    "Expected [VALUE_STRING] or [VALUE_NUMBER] or [VALUE_BOOLEAN] or [VALUE_NULL] but found [{}] inside search_after.",
                    item.token()
                ),
            ));
        }
        values.push(item.to_value());
    }
    if values.is_empty() {
        return Err(illegal("Values must contains at least one value."));
    }
    Ok(values)
}

/// `PointInTimeBuilder`: `{"id": .., "keep_alive": ..}`.
fn parse_pit(node: &Node) -> Result<PointInTime, StoreError> {
    const PARSER: &str = "pit";
    let mut id = None;
    let mut keep_alive = None;
    for f in node.as_object().unwrap_or_default() {
        match f.key.as_str() {
            "id" => {
                check_type(PARSER, f, FieldType::String)?;
                id = f.value.as_str().map(str::to_string);
            }
            "keep_alive" => {
                check_type(PARSER, f, FieldType::String)?;
                keep_alive = object_field(PARSER, f, |v| {
                    TimeValue::parse(&v.text()?, "keep_alive")
                        .map(TimeValue::to_duration)
                        .map_err(|e| illegal(e.to_string()))
                })?;
            }
            other => {
                return Err(unknown_field(
                    f.key_at,
                    PARSER,
                    other,
                    &["id", "keep_alive"],
                ));
            }
        }
    }
    let id = id.ok_or_else(|| illegal("Required [id]"))?;
    Ok(PointInTime { id, keep_alive })
}

/// `SearchSourceBuilder.sort(String)`: `_score` sorts by score, `_doc` by index order,
/// anything else is a field.
fn field_or_score(name: &str) -> SortSpec {
    let by = match name {
        "_score" => SortBy::Score,
        "_doc" => SortBy::Doc,
        "_shard_doc" => SortBy::ShardDoc,
        field => SortBy::Field(field.to_string()),
    };
    SortSpec {
        order: if by == SortBy::Score {
            SortOrder::Desc
        } else {
            SortOrder::Asc
        },
        by,
        missing: Missing::Last,
        unmapped_type: None,
        mode: None,
        format: None,
    }
}

/// `SortOrder.fromString`.
fn sort_order(text: &str) -> Result<SortOrder, StoreError> {
    if text.eq_ignore_ascii_case("asc") {
        Ok(SortOrder::Asc)
    } else if text.eq_ignore_ascii_case("desc") {
        Ok(SortOrder::Desc)
    } else {
        Err(illegal(format!("Unknown SortOrder [{text}]")))
    }
}

/// `SortMode.fromString`.
fn sort_mode(text: &str) -> Result<SortMode, StoreError> {
    match text.to_lowercase().as_str() {
        "min" => Ok(SortMode::Min),
        "max" => Ok(SortMode::Max),
        "sum" => Ok(SortMode::Sum),
        "avg" => Ok(SortMode::Avg),
        "median" => Ok(SortMode::Median),
        _ => Err(illegal(format!("Unknown SortMode [{text}]"))),
    }
}

/// `SortBuilder.fromXContent`: a name, `{name: order}`, `{name: {options}}`, or an array of
/// those.
pub(crate) fn parse_sort(node: &Node) -> Result<Vec<SortSpec>, StoreError> {
    let mut sorts = Vec::new();
    match &node.kind {
        Kind::Array(items) => {
            for item in items {
                match &item.kind {
                    Kind::Object(_) => compound_sort(item, &mut sorts)?,
                    Kind::String(name) => sorts.push(field_or_score(name)),
                    _ => {
                        return Err(illegal(
                            "malformed sort format, within the sort array, an object, or an actual string are allowed",
                        ));
                    }
                }
            }
        }
        Kind::String(name) => sorts.push(field_or_score(name)),
        Kind::Object(_) => compound_sort(node, &mut sorts)?,
        _ => {
            return Err(illegal(
                "malformed sort format, either start with array, object, or an actual string",
            ));
        }
    }
    Ok(sorts)
}

fn compound_sort(node: &Node, sorts: &mut Vec<SortSpec>) -> Result<(), StoreError> {
    for field in node.as_object().unwrap_or_default() {
        let name = field.key.as_str();
        let v = &field.value;
        if let Some(order) = v.as_str() {
            let mut spec = field_or_score(name);
            spec.order = sort_order(order)?;
            sorts.push(spec);
            continue;
        }
        match name {
            "_score" => sorts.push(score_sort(v)?),
            "_script" | "_geo_distance" | "_geoDistance" => {
                return Err(illegal(format!("[{name}] sort is not supported")));
            }
            _ => sorts.push(field_sort(name, v)?),
        }
    }
    Ok(())
}

fn score_sort(node: &Node) -> Result<SortSpec, StoreError> {
    const PARSER: &str = "_score";
    let Some(fields) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!("[{PARSER}] Expected START_OBJECT but was: {}", node.token()),
        ));
    };
    let mut spec = field_or_score("_score");
    for f in fields {
        if f.key != "order" {
            return Err(unknown_field(f.key_at, PARSER, &f.key, &["order"]));
        }
        check_type(PARSER, f, FieldType::String)?;
        spec.order = object_field(PARSER, f, |v| sort_order(&v.text()?))?;
    }
    Ok(spec)
}

const FIELD_SORT_FIELDS: &[&str] = &[
    "missing",
    "unmapped_type",
    "order",
    "mode",
    "nested",
    "numeric_type",
    "format",
];

/// `FieldSortBuilder.fromXContent`, read by an `ObjectParser` named `field_sort`.
fn field_sort(name: &str, node: &Node) -> Result<SortSpec, StoreError> {
    const PARSER: &str = "field_sort";
    let Some(fields) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!("[{PARSER}] Expected START_OBJECT but was: {}", node.token()),
        ));
    };
    let mut spec = field_or_score(name);
    if spec.by == SortBy::Score {
        // `{"_score": {...}}` was handled by the score parser; a field named `_score` here
        // cannot happen.
        spec.by = SortBy::Field(name.to_string());
        spec.order = SortOrder::Asc;
    }
    for f in fields {
        match f.key.as_str() {
            "missing" => {
                check_type(PARSER, f, FieldType::Value)?;
                spec.missing = match f.value.scalar()? {
                    Some(Scalar::String(s)) if s == "_last" => Missing::Last,
                    Some(Scalar::String(s)) if s == "_first" => Missing::First,
                    Some(value) => Missing::Value(value),
                    None => Missing::Last,
                };
            }
            "unmapped_type" => {
                check_type(PARSER, f, FieldType::String)?;
                spec.unmapped_type = f.value.as_str().map(str::to_string);
            }
            "order" => {
                check_type(PARSER, f, FieldType::String)?;
                spec.order = object_field(PARSER, f, |v| sort_order(&v.text()?))?;
            }
            "mode" => {
                check_type(PARSER, f, FieldType::String)?;
                spec.mode = Some(object_field(PARSER, f, |v| sort_mode(&v.text()?))?);
            }
            "numeric_type" => {
                check_type(PARSER, f, FieldType::String)?;
            }
            "format" => {
                check_type(PARSER, f, FieldType::String)?;
                spec.format = f.value.as_str().map(str::to_string);
            }
            "nested" => return Err(illegal("[nested] sort is not supported")),
            other => {
                return Err(unknown_field(f.key_at, PARSER, other, FIELD_SORT_FIELDS));
            }
        }
    }
    Ok(spec)
}

/// A search request with its REST parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedSearch {
    /// What to search.
    pub request: SearchRequest,
    /// What the REST layer does with it.
    pub params: SearchParams,
}

/// Parses a `_search` body and its URL parameters into a [`SearchRequest`]; the
/// parameters the REST layer handles itself are checked but not returned (see
/// [`parse_search`]).
pub fn parse_search_request(
    body: Option<&Value>,
    params: &[(String, String)],
) -> Result<SearchRequest, StoreError> {
    let body = body.map_or(SearchBody::None, SearchBody::Json);
    parse_search("/_search", body, params).map(|p| p.request)
}

/// Parses a `_search` request as `RestSearchAction.parseSearchRequest` and
/// `SearchRequest.validate` do: the body, then the URL parameters over it, then the
/// validation (`Validation Failed: 1: ..;`). `path` is the request's path, for messages.
pub fn parse_search(
    path: &str,
    body: SearchBody<'_>,
    params: &[(String, String)],
) -> Result<ParsedSearch, StoreError> {
    let mut src = Source {
        request: SearchRequest::default(),
        track_total_hits_set: false,
        source_set: false,
        fields_set: false,
        stored_fields: None,
    };
    if let Some(node) = body.node()? {
        parse_body(&node, &mut src)?;
    }
    let mut search_params = SearchParams {
        batched_reduce_size: param_u32(params, "batched_reduce_size")?,
        pre_filter_shard_size: param_u32(params, "pre_filter_shard_size")?,
        max_concurrent_shard_requests: param_u32(params, "max_concurrent_shard_requests")?,
        allow_partial_search_results: param_bool(params, "allow_partial_search_results")?,
        ..SearchParams::default()
    };
    if let Some(t) = param(params, "search_type") {
        search_params.search_type = SearchType::parse(t)?;
    }
    apply_url_params(path, params, &mut src)?;
    search_params.request_cache = param_bool(params, "request_cache")?;
    if let Some(scroll) = param_time(params, "scroll")? {
        search_params.scroll = Some(scroll.to_duration().unwrap_or(Duration::ZERO));
    }
    search_params.routing = param(params, "routing").map(str::to_string);
    search_params.preference = param(params, "preference").map(str::to_string);
    param_bool(params, "ignore_throttled")?;
    search_params.indices_options = indices_options(
        param(params, "expand_wildcards"),
        param(params, "ignore_unavailable"),
        param(params, "allow_no_indices"),
        IndicesOptions::STRICT_EXPAND_OPEN,
    )?;
    search_params.ccs_minimize_roundtrips = param_bool(params, "ccs_minimize_roundtrips")?;
    search_params.rest_total_hits_as_int = check_rest_total_hits(params, &mut src)?;
    search_params.typed_keys = param_bool(params, "typed_keys")?.unwrap_or(false);
    src.request.typed_keys = search_params.typed_keys;
    param_bool(params, "include_named_queries_score")?;
    validate(&src, &search_params)?;
    finish(&mut src);
    Ok(ParsedSearch {
        request: src.request,
        params: search_params,
    })
}

/// `RestSearchAction.parseSearchSource`: the URL parameters over the body.
fn apply_url_params(
    path: &str,
    params: &[(String, String)],
    src: &mut Source,
) -> Result<(), StoreError> {
    if let Some(query) = query_from_params(path, params)? {
        src.request.query = query;
    }
    if let Some(from) = param_int(params, "from")? {
        src.from(from)?;
    }
    if let Some(size) = param_int(params, "size")? {
        src.size(size)?;
    }
    if param_bool(params, "explain")? == Some(true) {
        return Err(unsupported("explain"));
    }
    if let Some(v) = param_bool(params, "version")? {
        src.request.version = v;
    }
    if let Some(v) = param_bool(params, "seq_no_primary_term")? {
        src.request.seq_no_primary_term = v;
    }
    if let Some(t) = param(params, "timeout") {
        src.timeout(t)?;
    }
    if let Some(n) = param_int(params, "terminate_after")? {
        src.terminate_after(n)?;
    }
    if let Some(names) = param(params, "stored_fields") {
        src.stored_fields(split_commas(names))?;
    }
    if let Some(fields) = param(params, "docvalue_fields")
        && !fields.trim().is_empty()
    {
        src.request.docvalue_fields = split_commas(fields)
            .into_iter()
            .map(|field| FieldAndFormat {
                field,
                format: None,
            })
            .collect();
    }
    if let Some(filter) = parse_source_params(params)? {
        src.request.source = filter;
        src.source_set = true;
    }
    if let Some(v) = param_bool(params, "track_scores")? {
        src.request.track_scores = v;
    }
    if let Some(v) = param(params, "track_total_hits") {
        if v == "true" || v == "false" {
            src.track_total_hits(v == "true");
        } else if let Some(n) = param_int(params, "track_total_hits")? {
            src.track_total_hits_up_to(n)?;
        }
    }
    if let Some(sorts) = param(params, "sort") {
        for sort in split_commas(sorts) {
            match sort.rsplit_once(':') {
                // An order other than `asc`/`desc` adds nothing, as in Elasticsearch.
                Some((field, "asc")) => {
                    let mut spec = field_or_score(field);
                    spec.order = SortOrder::Asc;
                    src.request.sort.push(spec);
                }
                Some((field, "desc")) => {
                    let mut spec = field_or_score(field);
                    spec.order = SortOrder::Desc;
                    src.request.sort.push(spec);
                }
                Some(_) => {}
                None => src.request.sort.push(field_or_score(&sort)),
            }
        }
    }
    if param(params, "suggest_field").is_some() {
        return Err(unsupported("suggest"));
    }
    Ok(())
}

/// `RestSearchAction.checkRestTotalHits`: with `rest_total_hits_as_int`, the total must be
/// exact (or off); unset, it becomes exact.
fn check_rest_total_hits(
    params: &[(String, String)],
    src: &mut Source,
) -> Result<bool, StoreError> {
    if param_bool(params, "rest_total_hits_as_int")? != Some(true) {
        return Ok(false);
    }
    if !src.track_total_hits_set {
        src.track_total_hits(true);
    } else if let TrackTotalHits::UpTo(n) = src.request.track_total_hits {
        return Err(illegal(format!(
            "[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got {n}"
        )));
    }
    Ok(true)
}

/// `stored_fields` without `_source` returns no source, as Elasticsearch's fetch phase does.
fn finish(src: &mut Source) {
    // The query as the client sent it (body or `q`), before any security filter is added.
    if let Some(highlight) = &mut src.request.highlight {
        highlight.search_query = Some(src.request.query.clone());
    }
    match &src.stored_fields {
        Some(StoredFields::Disabled) => src.request.source = SourceFilter::None,
        Some(StoredFields::Names(names))
            if !src.source_set && !names.iter().any(|n| n == "_source") =>
        {
            src.request.source = SourceFilter::None;
        }
        _ => {}
    }
}

/// `SearchRequest.validate` and `SearchSourceBuilder.validate`.
fn validate(src: &Source, params: &SearchParams) -> Result<(), StoreError> {
    let mut errors = Vec::new();
    let request = &src.request;
    let scroll = params.scroll.is_some();
    if scroll {
        if src.track_total_hits_set && request.track_total_hits != TrackTotalHits::Exact {
            errors.push(
                "disabling [track_total_hits] is not allowed in a scroll context".to_string(),
            );
        }
        if request.from > 0 {
            errors.push("using [from] is not allowed in a scroll context".to_string());
        }
        if request.size == 0 {
            errors.push("[size] cannot be [0] in a scroll context".to_string());
        }
        if request.search_after.is_some() {
            errors.push("[search_after] cannot be used in a scroll context".to_string());
        }
    }
    if request.from > 0 && request.search_after.is_some() {
        errors.push("[from] parameter must be set to 0 when [search_after] is used".to_string());
    }
    if src.stored_fields == Some(StoredFields::Disabled) {
        if src.source_set && !matches!(request.source, SourceFilter::None) {
            errors.push("[stored_fields] cannot be disabled if [_source] is requested".to_string());
        }
        if src.fields_set {
            errors.push(
                "[stored_fields] cannot be disabled when using the [fields] option".to_string(),
            );
        }
    }
    if scroll && params.request_cache == Some(true) {
        errors.push("[request_cache] cannot be used in a scroll context".to_string());
    }
    if request.point_in_time.is_some() {
        if scroll {
            errors.push("using [point in time] is not allowed in a scroll context".to_string());
        }
        if params.routing.is_some() {
            errors.push("[routing] cannot be used with point in time".to_string());
        }
        if params.preference.is_some() {
            errors.push("[preference] cannot be used with point in time".to_string());
        }
    } else if request.sort.iter().any(|s| s.by == SortBy::ShardDoc) {
        errors.push("[_shard_doc] sort field cannot be used without [point in time]".to_string());
    }
    if let Some(aggs) = &request.aggs {
        errors.extend(crate::aggs::validate(aggs));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Validation(errors))
    }
}

/// A `_count` request.
#[derive(Debug, Clone, PartialEq)]
pub struct CountRequest {
    /// The query (`match_all` when none).
    pub query: Query,
    /// `min_score`.
    pub min_score: Option<f32>,
    /// `terminate_after`.
    pub terminate_after: Option<u64>,
    /// `routing`.
    pub routing: Option<String>,
    /// `preference`.
    pub preference: Option<String>,
    /// `ignore_unavailable`, `allow_no_indices`, `expand_wildcards`.
    pub indices_options: IndicesOptions,
}

/// Parses `GET|POST /<target>/_count`: a body `{"query": ..}` (nothing else) or the `q`
/// parameter, as `RestCountAction` reads them.
pub fn parse_count(
    path: &str,
    body: SearchBody<'_>,
    params: &[(String, String)],
) -> Result<CountRequest, StoreError> {
    let mut query = None;
    match body.node()? {
        Some(node) => {
            if param(params, "q").is_some() {
                return Err(illegal(format!(
                    "request [{path}] contains unrecognized parameter: [q]"
                )));
            }
            let Some(fields) = node.as_object() else {
                return Err(parsing(
                    node.at,
                    format!("Expected [START_OBJECT] but found [{}]", node.token()),
                ));
            };
            for field in fields {
                if field.key != "query" {
                    return Err(parsing(
                        field.key_at,
                        format!("request does not support [{}]", field.key),
                    ));
                }
                query = Some(parse_top(&field.value)?);
            }
        }
        None => query = query_from_params(path, params)?,
    }
    let min_score = param(params, "min_score")
        .map(|v| {
            crate::query::node::java_float(v)
                .map(|f| f as f32)
                .ok_or_else(|| {
                    illegal(format!(
                        "Failed to parse float parameter [min_score] with value [{v}]"
                    ))
                })
        })
        .transpose()?
        .filter(|m| *m != -1.0);
    let terminate_after = match param_int(params, "terminate_after")? {
        Some(n) if n < 0 => return Err(illegal("terminateAfter must be > 0")),
        Some(n) if n > 0 => Some(n as u64),
        _ => None,
    };
    Ok(CountRequest {
        query: query.unwrap_or(Query::MatchAll { boost: 1.0 }),
        min_score,
        terminate_after,
        routing: param(params, "routing").map(str::to_string),
        preference: param(params, "preference").map(str::to_string),
        indices_options: indices_options(
            param(params, "expand_wildcards"),
            param(params, "ignore_unavailable"),
            param(params, "allow_no_indices"),
            IndicesOptions::STRICT_EXPAND_OPEN,
        )?,
    })
}

/// `from + size` over `index.max_result_window` (the engine knows the setting): the error
/// Elasticsearch answers, for the index searched.
pub fn check_result_window(
    index: &str,
    request: &SearchRequest,
    max_result_window: u64,
    scroll: bool,
) -> Result<(), StoreError> {
    let requested = if scroll {
        request.size as u64
    } else {
        (request.from as u64).saturating_add(request.size as u64)
    };
    if requested > max_result_window {
        return Err(StoreError::ResultWindowTooLarge {
            index: index.to_string(),
            max: max_result_window,
            requested,
            scroll,
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "search_request_tests.rs"]
mod tests;
