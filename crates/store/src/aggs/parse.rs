//! `aggs`/`aggregations` parsed as `AggregatorFactories.parseAggregators` and each
//! aggregation builder's parser read them, with their errors and positions: names
//! (`Invalid aggregation name`), shapes (`Expected [START_OBJECT] under [..]`), types
//! (`Unknown aggregation type [x] did you mean [y]?`, `Found two aggregation type
//! definitions`), `ObjectParser` fields (`[terms] unknown field [x]`, `[date_histogram]
//! failed to parse field [calendar_interval]` with its cause), required settings; and the
//! request validation of pipelines (`SearchRequest.validate`: `No aggregation found for path
//! [x]`, `bucket_script aggregation [x] must be declared inside of another aggregation`).

use serde_json::{Map, Value};

use crate::StoreError;
use crate::query::node::{
    Field, Kind, Node, Num, field_failed, illegal, java_float, number_format, parsing, suggest,
    unknown_field,
};
use crate::query::{
    FieldType, SourceFilter, check_type, fetch_source, object_field, parse_sort, parse_top,
};

use super::interval::{CalendarUnit, DateInterval};
use super::script::Expr;
use super::{
    AggDef, AggKind, Aggregations, Bounds, BucketMetric, BucketOrder, CompositeAgg,
    CompositeSource, CompositeSourceKind, DateHistogramAgg, FiltersAgg, GapPolicy, HistogramAgg,
    IncludeExclude, MultiTermsAgg, PercentilesAgg, PipelineSpec, RangeAgg, RangeSpec, TermsAgg,
    TopHitsAgg, TopMetricsAgg, ValuesSource,
};

/// Every aggregation type Elasticsearch registers, for `did you mean` suggestions.
const ALL_TYPES: &[&str] = &[
    "adjacency_matrix",
    "auto_date_histogram",
    "avg",
    "avg_bucket",
    "boxplot",
    "bucket_count_ks_test",
    "bucket_correlation",
    "bucket_script",
    "bucket_selector",
    "bucket_sort",
    "cardinality",
    "categorize_text",
    "change_point",
    "children",
    "composite",
    "cumulative_cardinality",
    "cumulative_sum",
    "date_histogram",
    "date_range",
    "derivative",
    "diversified_sampler",
    "extended_stats",
    "extended_stats_bucket",
    "filter",
    "filters",
    "frequent_item_sets",
    "geo_bounds",
    "geo_centroid",
    "geo_distance",
    "geo_line",
    "geohash_grid",
    "geohex_grid",
    "geotile_grid",
    "global",
    "histogram",
    "inference",
    "ip_prefix",
    "ip_range",
    "matrix_stats",
    "max",
    "max_bucket",
    "median_absolute_deviation",
    "min",
    "min_bucket",
    "missing",
    "moving_fn",
    "moving_percentiles",
    "multi_terms",
    "nested",
    "normalize",
    "parent",
    "percentile_ranks",
    "percentiles",
    "percentiles_bucket",
    "random_sampler",
    "range",
    "rare_terms",
    "rate",
    "reverse_nested",
    "sampler",
    "scripted_metric",
    "serial_diff",
    "significant_terms",
    "significant_text",
    "stats",
    "stats_bucket",
    "string_stats",
    "sum",
    "sum_bucket",
    "t_test",
    "terms",
    "time_series",
    "top_hits",
    "top_metrics",
    "value_count",
    "variable_width_histogram",
    "weighted_avg",
];

/// Parses an `aggs` object given as a [`Value`] (no positions in errors).
pub fn parse_aggregations(value: &Value) -> Result<Aggregations, StoreError> {
    parse_node(&Node::from_value(value))
}

/// Parses an `aggs` object.
pub(crate) fn parse_node(node: &Node) -> Result<Aggregations, StoreError> {
    let Some(fields) = node.as_object() else {
        return Err(parsing(
            node.at,
            format!(
                "Unexpected token {} in [aggs]: aggregations definitions must start with the name of the aggregation.",
                node.token()
            ),
        ));
    };
    parse_level(fields, 0)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['[', ']', '>'])
}

fn parse_level(fields: &[Field], depth: usize) -> Result<Aggregations, StoreError> {
    if depth > crate::query::MAX_NESTED_DEPTH {
        return Err(illegal(format!(
            "The nested depth of the aggregations exceeds the maximum nested depth [{}]",
            crate::query::MAX_NESTED_DEPTH
        )));
    }
    let mut out: Vec<AggDef> = Vec::new();
    for field in fields {
        let name = &field.key;
        if !valid_name(name) {
            return Err(parsing(
                field.key_at,
                format!(
                    "Invalid aggregation name [{name}]. Aggregation names can contain any character except '[', ']', and '>'"
                ),
            ));
        }
        let Some(body) = field.value.as_object() else {
            return Err(parsing(
                field.value.at,
                format!(
                    "Aggregation definition for [{name} starts with a [{}], expected a [START_OBJECT].",
                    field.value.token()
                ),
            ));
        };
        let mut kind: Option<(AggKind, &str)> = None;
        let mut subs: Option<(Aggregations, &Node)> = None;
        let mut meta = None;
        for inner in body {
            let key = inner.key.as_str();
            let Some(inner_fields) = inner.value.as_object() else {
                return Err(parsing(
                    inner.value.at,
                    format!(
                        "Expected [START_OBJECT] under [{key}], but got a [{}] in [{name}]",
                        inner.value.token()
                    ),
                ));
            };
            match key {
                "meta" => {
                    meta = match inner.value.to_value() {
                        Value::Object(m) => Some(m),
                        _ => None,
                    }
                }
                "aggregations" | "aggs" => {
                    if subs.is_some() {
                        return Err(parsing(
                            inner.value.at,
                            format!("Found two sub aggregation definitions under [{name}]"),
                        ));
                    }
                    subs = Some((parse_level(inner_fields, depth + 1)?, &inner.value));
                }
                _ => {
                    if let Some((_, first)) = &kind {
                        return Err(parsing(
                            inner.value.at,
                            format!(
                                "Found two aggregation type definitions in [{name}]: [{first}] and [{key}]"
                            ),
                        ));
                    }
                    kind = Some((parse_type(key, &inner.value, name)?, key));
                }
            }
        }
        let Some((kind, _)) = kind else {
            return Err(parsing(
                field.value.end,
                format!("Missing definition for aggregation [{name}]"),
            ));
        };
        let subs = match subs {
            Some((subs, _)) if !subs.is_empty() => {
                if kind.is_pipeline() {
                    return Err(illegal(format!(
                        "Aggregation [{name}] cannot define sub-aggregations"
                    )));
                }
                if !accepts_subs(&kind) {
                    return Err(StoreError::AggregationInitialization(format!(
                        "Aggregator [{name}] of type [{}] cannot accept sub-aggregations",
                        kind.type_name()
                    )));
                }
                subs
            }
            _ => Aggregations::default(),
        };
        if !kind.is_pipeline() && out.iter().any(|d| !d.kind.is_pipeline() && d.name == *name) {
            return Err(illegal(format!(
                "Two sibling aggregations cannot have the same name: [{name}]"
            )));
        }
        out.push(AggDef {
            name: name.clone(),
            kind,
            subs,
            meta,
        });
    }
    Ok(Aggregations(out))
}

fn accepts_subs(kind: &AggKind) -> bool {
    matches!(
        kind,
        AggKind::Terms(_)
            | AggKind::MultiTerms(_)
            | AggKind::DateHistogram(_)
            | AggKind::Histogram(_)
            | AggKind::Range(_)
            | AggKind::Filter(_)
            | AggKind::Filters(_)
            | AggKind::Missing(_)
            | AggKind::Composite(_)
    )
}

fn parse_type(kind: &str, body: &Node, name: &str) -> Result<AggKind, StoreError> {
    Ok(match kind {
        "terms" => AggKind::Terms(parse_terms(body, name)?),
        "multi_terms" => AggKind::MultiTerms(parse_multi_terms(body, name)?),
        "date_histogram" => AggKind::DateHistogram(parse_date_histogram(body, name)?),
        "histogram" => AggKind::Histogram(parse_histogram(body, name)?),
        "range" => AggKind::Range(parse_range(body, name, false)?),
        "date_range" => AggKind::Range(parse_range(body, name, true)?),
        "filter" => AggKind::Filter(parse_top(body)?),
        "filters" => AggKind::Filters(parse_filters(body, name)?),
        "missing" => AggKind::Missing(parse_metric(body, "missing", false, &[])?.0),
        "composite" => AggKind::Composite(parse_composite(body, name)?),
        "avg" => AggKind::Avg(parse_metric(body, "avg", true, &[])?.0),
        "min" => AggKind::Min(parse_metric(body, "min", true, &[])?.0),
        "max" => AggKind::Max(parse_metric(body, "max", true, &[])?.0),
        "sum" => AggKind::Sum(parse_metric(body, "sum", true, &[])?.0),
        "value_count" => AggKind::ValueCount(parse_metric(body, "value_count", false, &[])?.0),
        "stats" => AggKind::Stats(parse_metric(body, "stats", true, &[])?.0),
        "extended_stats" => {
            let (source, extra) = parse_metric(body, "extended_stats", true, &["sigma"])?;
            let mut sigma = 2.0;
            for f in &extra {
                check_type("extended_stats", f, FieldType::Number)?;
                sigma = object_field("extended_stats", f, |v| {
                    let s = double_value(v)?;
                    if s < 0.0 {
                        return Err(illegal(format!(
                            "[sigma] must be greater than or equal to 0. Found [{}] in [{name}]",
                            super::format::java_double(s)
                        )));
                    }
                    Ok(s)
                })?;
            }
            AggKind::ExtendedStats(source, sigma)
        }
        "cardinality" => {
            let (source, extra) = parse_metric(
                body,
                "cardinality",
                false,
                &["precision_threshold", "execution_hint"],
            )?;
            let mut threshold = 3000;
            for f in &extra {
                match f.key.as_str() {
                    "precision_threshold" => {
                        check_type("cardinality", f, FieldType::Number)?;
                        threshold = object_field("cardinality", f, |v| {
                            let t = long_value(v)?;
                            if t < 0 {
                                return Err(illegal(format!(
                                    "[precisionThreshold] must be greater than or equal to 0. Found [{t}] in [{name}]"
                                )));
                            }
                            Ok(t as u64)
                        })?;
                    }
                    _ => check_type("cardinality", f, FieldType::String)?,
                }
            }
            AggKind::Cardinality(source, threshold.min(40_000))
        }
        "percentiles" => AggKind::Percentiles(parse_percentiles(body, name)?),
        "top_hits" => AggKind::TopHits(parse_top_hits(body, name)?),
        "top_metrics" => AggKind::TopMetrics(parse_top_metrics(body)?),
        "derivative" => {
            let (spec, unit) = parse_pipeline(body, name, "derivative", &["unit"])?;
            let unit = match unit {
                Some(u) => Some(derivative_unit(&u)?),
                None => None,
            };
            AggKind::Derivative(spec, unit)
        }
        "cumulative_sum" => {
            AggKind::CumulativeSum(parse_pipeline(body, name, "cumulative_sum", &[])?.0)
        }
        "max_bucket" | "min_bucket" | "avg_bucket" | "sum_bucket" => {
            let metric = match kind {
                "max_bucket" => BucketMetric::Max,
                "min_bucket" => BucketMetric::Min,
                "avg_bucket" => BucketMetric::Avg,
                _ => BucketMetric::Sum,
            };
            AggKind::BucketMetric(metric, parse_pipeline(body, name, kind, &[])?.0)
        }
        "bucket_script" => {
            let (spec, script) = parse_bucket_script(body, name)?;
            AggKind::BucketScript(spec, script)
        }
        known if ALL_TYPES.contains(&known) => {
            return Err(illegal(format!(
                "aggregation type [{known}] is not supported by this store"
            )));
        }
        unknown => {
            return Err(parsing(
                body.at,
                format!(
                    "Unknown aggregation type [{unknown}]{}",
                    suggest(unknown, ALL_TYPES)
                ),
            ));
        }
    })
}

/// `parser.longValue()` (coercing strings and truncating fractions).
fn long_value(node: &Node) -> Result<i64, StoreError> {
    match &node.kind {
        Kind::Number(n) => match n.value {
            Num::Int(i) => Ok(i),
            Num::Float(f) if f.is_finite() && f.abs() < 9.2e18 => Ok(f.trunc() as i64),
            Num::Float(_) => Err(crate::query::node::x_content(
                node.at,
                format!(
                    "Numeric value ({}) out of range of long ({} - {})",
                    n.text,
                    i64::MIN,
                    i64::MAX
                ),
            )),
        },
        Kind::String(s) => {
            if let Ok(i) = s.trim().parse::<i64>() {
                return Ok(i);
            }
            let f = java_float(s).ok_or_else(|| number_format(s))?;
            if f.is_finite() && f.abs() < 9.2e18 {
                Ok(f.trunc() as i64)
            } else {
                Err(illegal(format!("Value [{s}] is out of range for a long")))
            }
        }
        _ => node.int_value().map(i64::from),
    }
}

/// `parser.doubleValue()`.
fn double_value(node: &Node) -> Result<f64, StoreError> {
    match &node.kind {
        Kind::Number(n) => Ok(match n.value {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }),
        Kind::String(s) => java_float(s).ok_or_else(|| number_format(s)),
        _ => node.float_value().map(f64::from),
    }
}

fn int_field(parser: &str, f: &Field) -> Result<i32, StoreError> {
    check_type(parser, f, FieldType::Number)?;
    object_field(parser, f, Node::int_value)
}

fn long_field(parser: &str, f: &Field) -> Result<i64, StoreError> {
    check_type(parser, f, FieldType::Number)?;
    object_field(parser, f, long_value)
}

fn double_field(parser: &str, f: &Field) -> Result<f64, StoreError> {
    check_type(parser, f, FieldType::Number)?;
    object_field(parser, f, double_value)
}

fn bool_field(parser: &str, f: &Field) -> Result<bool, StoreError> {
    check_type(parser, f, FieldType::Boolean)?;
    object_field(parser, f, Node::bool_value)
}

fn string_field(parser: &str, f: &Field) -> Result<String, StoreError> {
    check_type(parser, f, FieldType::String)?;
    object_field(parser, f, Node::text)
}

/// A field's failure with a cause, as `ObjectParser` wraps it.
fn failed(parser: &str, f: &Field, cause: StoreError) -> StoreError {
    field_failed(f.value.end, parser, &f.key, cause)
}

fn scripts_refused(parser: &str, f: &Field) -> StoreError {
    failed(
        parser,
        f,
        illegal("scripts are not supported in aggregations by this store; use a field"),
    )
}

/// The fields every values-source aggregation shares: `(handled, source)`.
fn source_field(
    parser: &str,
    f: &Field,
    source: &mut ValuesSource,
    formattable: bool,
) -> Result<bool, StoreError> {
    match f.key.as_str() {
        "field" => source.field = Some(string_field(parser, f)?),
        "missing" => {
            check_type(parser, f, FieldType::Value)?;
            source.missing = match &f.value.kind {
                Kind::Null => None,
                _ => Some(f.value.to_value()),
            };
        }
        "value_type" | "valueType" => {
            string_field(parser, f)?;
        }
        "format" if formattable => source.format = Some(string_field(parser, f)?),
        "script" => return Err(scripts_refused(parser, f)),
        _ => return Ok(false),
    }
    Ok(true)
}

fn source_fields(formattable: bool) -> Vec<&'static str> {
    let mut v = vec!["field", "missing", "value_type", "script"];
    if formattable {
        v.push("format");
    }
    v
}

fn body_fields(body: &Node) -> &[Field] {
    body.as_object().unwrap_or_default()
}

/// A metric's fields: the source, then the `extra` keys returned for the caller.
fn parse_metric<'a>(
    body: &'a Node,
    parser: &str,
    formattable: bool,
    extra: &[&str],
) -> Result<(ValuesSource, Vec<&'a Field>), StoreError> {
    let mut source = ValuesSource::default();
    let mut rest = Vec::new();
    for f in body_fields(body) {
        if source_field(parser, f, &mut source, formattable)? {
            continue;
        }
        if extra.contains(&f.key.as_str()) {
            rest.push(f);
            continue;
        }
        let mut known = source_fields(formattable);
        known.extend_from_slice(extra);
        return Err(unknown_field(f.key_at, parser, &f.key, &known));
    }
    if source.field.is_none() {
        return Err(required_field());
    }
    Ok((source, rest))
}

/// `ValuesSourceConfig.resolve` without `field` or `script` (Elasticsearch's text ends with
/// a space).
fn required_field() -> StoreError {
    illegal("Required one of fields [field, script], but none were specified. ")
}

fn positive(name: &str, what: &str, n: i64) -> Result<(), StoreError> {
    if n <= 0 {
        return Err(illegal(format!(
            "[{what}] must be greater than 0. Found [{n}] in [{name}]"
        )));
    }
    Ok(())
}

fn non_negative(name: &str, what: &str, n: i64) -> Result<(), StoreError> {
    if n < 0 {
        return Err(illegal(format!(
            "[{what}] must be greater than or equal to 0. Found [{n}] in [{name}]"
        )));
    }
    Ok(())
}

/// `InternalOrder.Parser.parseOrderParam` for one object.
fn parse_one_order(node: &Node) -> Result<BucketOrder, StoreError> {
    let Some(fields) = node.as_object() else {
        return Err(parsing(
            node.at,
            format!("Unexpected token [{}] for [order]", node.token()),
        ));
    };
    let mut key: Option<String> = None;
    let mut asc = false;
    for f in fields {
        key = Some(f.key.clone());
        match &f.value.kind {
            Kind::String(dir) => {
                if dir.eq_ignore_ascii_case("asc") {
                    asc = true;
                } else if dir.eq_ignore_ascii_case("desc") {
                    asc = false;
                } else {
                    return Err(parsing(
                        f.value.at,
                        format!("Unknown order direction [{dir}]"),
                    ));
                }
            }
            _ => {
                return Err(parsing(
                    f.value.at,
                    format!("Unexpected token [{}] for [order]", f.value.token()),
                ));
            }
        }
    }
    let Some(key) = key else {
        return Err(parsing(
            node.end,
            "Must specify at least one field for [order]",
        ));
    };
    Ok(match key.as_str() {
        "_key" | "_term" | "_time" => BucketOrder::Key { asc },
        "_count" => BucketOrder::Count { asc },
        _ => BucketOrder::Path { path: key, asc },
    })
}

fn parse_order(parser: &str, f: &Field) -> Result<Vec<BucketOrder>, StoreError> {
    object_field(parser, f, |v| match &v.kind {
        Kind::Object(_) => Ok(vec![parse_one_order(v)?]),
        Kind::Array(items) => items.iter().map(parse_one_order).collect(),
        _ => Err(parsing(
            v.at,
            format!("Unexpected token [{}] for [order]", v.token()),
        )),
    })
}

/// `IncludeExclude.parseInclude`/`parseExclude`.
fn parse_include(parser: &str, f: &Field, include: bool) -> Result<IncludeExclude, StoreError> {
    object_field(parser, f, |v| match &v.kind {
        Kind::String(s) => Ok(IncludeExclude::Regex(s.clone())),
        Kind::Array(items) => Ok(IncludeExclude::Values(
            items.iter().map(Node::to_value).collect(),
        )),
        Kind::Object(fields) if include => {
            let (mut partition, mut num) = (None, None);
            for p in fields {
                match p.key.as_str() {
                    "partition" => partition = Some(p.value.int_value()?),
                    "num_partitions" => num = Some(p.value.int_value()?),
                    other => {
                        return Err(parsing(
                            p.value.at,
                            format!("Unknown parameter in Include/Exclude clause: {other}"),
                        ));
                    }
                }
            }
            let num = num.ok_or_else(|| {
                parsing(
                    v.at,
                    "Missing [num_partitions] parameter for partition-based include",
                )
            })?;
            let partition = partition.ok_or_else(|| {
                parsing(
                    v.at,
                    "Missing [partition] parameter for partition-based include",
                )
            })?;
            if num <= 0 || partition < 0 || partition >= num {
                return Err(illegal(format!(
                    "Invalid partition [{partition}] of [{num}] partitions"
                )));
            }
            Ok(IncludeExclude::Partition {
                partition: partition as u32,
                num_partitions: num as u32,
            })
        }
        _ => Err(parsing(
            v.at,
            format!(
                "Unrecognized token for an {}: {}",
                if include { "include" } else { "exclude" },
                v.token()
            ),
        )),
    })
}

fn parse_terms(body: &Node, name: &str) -> Result<TermsAgg, StoreError> {
    const P: &str = "terms";
    let mut t = TermsAgg {
        source: ValuesSource::default(),
        size: 10,
        shard_size: None,
        min_doc_count: 1,
        shard_min_doc_count: 0,
        order: vec![BucketOrder::Count { asc: false }],
        include: None,
        exclude: None,
        show_term_doc_count_error: false,
    };
    for f in body_fields(body) {
        if source_field(P, f, &mut t.source, true)? {
            continue;
        }
        match f.key.as_str() {
            "size" => {
                let n = int_field(P, f)?;
                positive(name, "size", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.size = n as usize;
            }
            "shard_size" => {
                let n = int_field(P, f)?;
                positive(name, "shardSize", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.shard_size = Some(n as usize);
            }
            "min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "minDocCount", n).map_err(|e| failed(P, f, e))?;
                t.min_doc_count = n as u64;
            }
            "shard_min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "shardMinDocCount", n).map_err(|e| failed(P, f, e))?;
                t.shard_min_doc_count = n as u64;
            }
            "show_term_doc_count_error" => t.show_term_doc_count_error = bool_field(P, f)?,
            "execution_hint" => {
                string_field(P, f)?;
            }
            "collect_mode" => {
                let mode = string_field(P, f)?;
                if !matches!(mode.as_str(), "depth_first" | "breadth_first") {
                    return Err(failed(
                        P,
                        f,
                        StoreError::Parse(format!("no [collect_mode] found for value [{mode}]")),
                    ));
                }
            }
            "order" => t.order = parse_order(P, f)?,
            "include" => t.include = Some(parse_include(P, f, true)?),
            "exclude" => t.exclude = Some(parse_include(P, f, false)?),
            _ => {
                let mut known = source_fields(true);
                known.extend_from_slice(&[
                    "size",
                    "shard_size",
                    "min_doc_count",
                    "shard_min_doc_count",
                    "show_term_doc_count_error",
                    "execution_hint",
                    "collect_mode",
                    "order",
                    "include",
                    "exclude",
                ]);
                return Err(unknown_field(f.key_at, P, &f.key, &known));
            }
        }
    }
    if let (Some(IncludeExclude::Partition { .. }), Some(_)) = (&t.include, &t.exclude) {
        return Err(illegal(
            "Cannot specify any excludes when using a partition-based include",
        ));
    }
    if t.source.field.is_none() {
        return Err(required_field());
    }
    Ok(t)
}

fn parse_multi_terms(body: &Node, name: &str) -> Result<MultiTermsAgg, StoreError> {
    const P: &str = "multi_terms";
    let mut t = MultiTermsAgg {
        terms: Vec::new(),
        size: 10,
        shard_size: None,
        min_doc_count: 1,
        shard_min_doc_count: 0,
        order: vec![BucketOrder::Count { asc: false }],
        show_term_doc_count_error: false,
    };
    let mut seen_terms = false;
    for f in body_fields(body) {
        match f.key.as_str() {
            "terms" => {
                seen_terms = true;
                let Some(items) = f.value.as_array() else {
                    return Err(crate::query::node::unsupported_type(
                        f.value.at, P, "terms", &f.value,
                    ));
                };
                for item in items {
                    let mut source = ValuesSource::default();
                    for g in item.as_object().unwrap_or_default() {
                        if !source_field("multi_terms", g, &mut source, true)? {
                            return Err(unknown_field(
                                g.key_at,
                                "multi_terms",
                                &g.key,
                                &source_fields(true),
                            ));
                        }
                    }
                    if source.field.is_none() {
                        return Err(required_field());
                    }
                    t.terms.push(source);
                }
            }
            "size" => {
                let n = int_field(P, f)?;
                positive(name, "size", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.size = n as usize;
            }
            "shard_size" => {
                let n = int_field(P, f)?;
                positive(name, "shardSize", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.shard_size = Some(n as usize);
            }
            "min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "minDocCount", n).map_err(|e| failed(P, f, e))?;
                t.min_doc_count = n as u64;
            }
            "shard_min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "shardMinDocCount", n).map_err(|e| failed(P, f, e))?;
                t.shard_min_doc_count = n as u64;
            }
            "show_term_doc_count_error" => t.show_term_doc_count_error = bool_field(P, f)?,
            "collect_mode" => {
                string_field(P, f)?;
            }
            "order" => t.order = parse_order(P, f)?,
            _ => {
                return Err(unknown_field(
                    f.key_at,
                    P,
                    &f.key,
                    &[
                        "terms",
                        "size",
                        "shard_size",
                        "min_doc_count",
                        "shard_min_doc_count",
                        "show_term_doc_count_error",
                        "collect_mode",
                        "order",
                    ],
                ));
            }
        }
    }
    if !seen_terms {
        return Err(illegal("Required [terms]"));
    }
    if t.terms.len() < 2 {
        return Err(illegal(format!(
            "The [terms] parameter in the aggregation [{name}] must be present and have at least 2 fields or scripts. For a single field user terms aggregation."
        )));
    }
    Ok(t)
}

/// `DateHistogramAggregationBuilder.parseStringOffset`: `+6h`, `-1d`, or epoch ms.
fn parse_offset(node: &Node) -> Result<i64, StoreError> {
    match &node.kind {
        Kind::Number(_) => long_value(node),
        _ => {
            let text = node.text()?;
            let (negative, rest) = match text.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, text.strip_prefix('+').unwrap_or(&text)),
            };
            let v = ironstack_types::TimeValue::parse(rest, "date_histogram.offset")
                .map_err(|e| StoreError::Parse(e.to_string()))?
                .millis();
            Ok(if negative { -v } else { v })
        }
    }
}

fn parse_bounds(parser: &str, f: &Field) -> Result<Bounds, StoreError> {
    object_field(parser, f, |v| {
        let Some(fields) = v.as_object() else {
            return Err(parsing(
                v.at,
                format!("Unknown key for a {} in [{}].", v.token(), f.key),
            ));
        };
        let mut b = Bounds::default();
        for g in fields {
            let value = match &g.value.kind {
                Kind::Null => None,
                Kind::Number(_) | Kind::String(_) => Some(g.value.to_value()),
                _ => {
                    return Err(parsing(
                        g.value.at,
                        format!("Unknown key for a {} in [{}].", g.value.token(), g.key),
                    ));
                }
            };
            match g.key.as_str() {
                "min" => b.min = value,
                "max" => b.max = value,
                other => {
                    return Err(parsing(
                        g.value.at,
                        format!(
                            "Unknown key for a {} in [{}]: [{other}].",
                            g.value.token(),
                            f.key
                        ),
                    ));
                }
            }
        }
        Ok(b)
    })
}

fn parse_date_histogram(body: &Node, name: &str) -> Result<DateHistogramAgg, StoreError> {
    const P: &str = "date_histogram";
    let mut source = ValuesSource::default();
    let mut interval: Option<DateInterval> = None;
    let mut d = DateHistogramAgg {
        source: ValuesSource::default(),
        interval: DateInterval::Calendar(CalendarUnit::Day),
        time_zone: None,
        offset: 0,
        min_doc_count: 0,
        extended_bounds: None,
        hard_bounds: None,
        order: vec![BucketOrder::Key { asc: true }],
        keyed: false,
    };
    for f in body_fields(body) {
        if source_field(P, f, &mut source, true)? {
            continue;
        }
        match f.key.as_str() {
            "time_zone" => {
                let tz = string_field(P, f)?;
                super::interval::time_zone(Some(&tz)).map_err(|e| failed(P, f, e))?;
                d.time_zone = Some(tz);
            }
            "calendar_interval" => {
                let text = string_field(P, f)?;
                if matches!(interval, Some(DateInterval::Fixed(..))) {
                    return Err(failed(
                        P,
                        f,
                        illegal(
                            "Cannot use [calendar_interval] with [fixed_interval] configuration option.",
                        ),
                    ));
                }
                interval = Some(DateInterval::calendar(&text).map_err(|e| failed(P, f, e))?);
            }
            "fixed_interval" => {
                let text = string_field(P, f)?;
                if matches!(interval, Some(DateInterval::Calendar(_))) {
                    return Err(failed(
                        P,
                        f,
                        illegal(
                            "Cannot use [fixed_interval] with [calendar_interval] configuration option.",
                        ),
                    ));
                }
                interval = Some(DateInterval::fixed(&text).map_err(|e| failed(P, f, e))?);
            }
            "offset" => {
                check_type(P, f, FieldType::Value)?;
                d.offset = object_field(P, f, parse_offset)?;
            }
            "min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "minDocCount", n).map_err(|e| failed(P, f, e))?;
                d.min_doc_count = n as u64;
            }
            "extended_bounds" => d.extended_bounds = Some(parse_bounds(P, f)?),
            "hard_bounds" => d.hard_bounds = Some(parse_bounds(P, f)?),
            "order" => d.order = parse_order(P, f)?,
            "keyed" => d.keyed = bool_field(P, f)?,
            _ => {
                let mut known = source_fields(true);
                known.extend_from_slice(&[
                    "time_zone",
                    "calendar_interval",
                    "fixed_interval",
                    "offset",
                    "min_doc_count",
                    "extended_bounds",
                    "hard_bounds",
                    "order",
                    "keyed",
                ]);
                return Err(unknown_field(f.key_at, P, &f.key, &known));
            }
        }
    }
    if source.field.is_none() {
        return Err(required_field());
    }
    d.interval = interval
        .ok_or_else(|| illegal("Invalid interval specified, must be non-null and non-empty"))?;
    d.source = source;
    Ok(d)
}

fn parse_histogram(body: &Node, name: &str) -> Result<HistogramAgg, StoreError> {
    const P: &str = "histogram";
    let mut h = HistogramAgg {
        source: ValuesSource::default(),
        interval: 0.0,
        offset: 0.0,
        min_doc_count: 0,
        extended_bounds: None,
        hard_bounds: None,
        order: vec![BucketOrder::Key { asc: true }],
        keyed: false,
    };
    let mut interval = None;
    for f in body_fields(body) {
        if source_field(P, f, &mut h.source, true)? {
            continue;
        }
        match f.key.as_str() {
            "interval" => {
                let v = double_field(P, f)?;
                if v <= 0.0 || v.is_nan() {
                    return Err(failed(
                        P,
                        f,
                        illegal(format!(
                            "[interval] must be >0 for histogram aggregation [{name}]"
                        )),
                    ));
                }
                interval = Some(v);
            }
            "offset" => h.offset = double_field(P, f)?,
            "min_doc_count" => {
                let n = long_field(P, f)?;
                non_negative(name, "minDocCount", n).map_err(|e| failed(P, f, e))?;
                h.min_doc_count = n as u64;
            }
            "extended_bounds" => {
                let b = parse_bounds(P, f)?;
                let num = |v: Option<Value>| -> Result<f64, StoreError> {
                    match v {
                        Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(f64::NAN)),
                        Some(Value::String(s)) => java_float(&s).ok_or_else(|| number_format(&s)),
                        _ => Err(failed(
                            P,
                            f,
                            illegal("[extended_bounds] requires [min] and [max]"),
                        )),
                    }
                };
                let (min, max) = (num(b.min)?, num(b.max)?);
                if min > max {
                    return Err(failed(
                        P,
                        f,
                        illegal(format!(
                            "[extended_bounds.min][{}] cannot be greater than [extended_bounds.max][{}] for histogram aggregation [{name}]",
                            super::format::java_double(min),
                            super::format::java_double(max)
                        )),
                    ));
                }
                h.extended_bounds = Some((min, max));
            }
            "hard_bounds" => {
                let b = parse_bounds(P, f)?;
                let num = |v: Option<Value>| match v {
                    Some(Value::Number(n)) => n.as_f64(),
                    Some(Value::String(s)) => java_float(&s),
                    _ => None,
                };
                h.hard_bounds = Some((num(b.min), num(b.max)));
            }
            "order" => h.order = parse_order(P, f)?,
            "keyed" => h.keyed = bool_field(P, f)?,
            _ => {
                let mut known = source_fields(true);
                known.extend_from_slice(&[
                    "interval",
                    "offset",
                    "min_doc_count",
                    "extended_bounds",
                    "hard_bounds",
                    "order",
                    "keyed",
                ]);
                return Err(unknown_field(f.key_at, P, &f.key, &known));
            }
        }
    }
    if h.source.field.is_none() {
        return Err(required_field());
    }
    h.interval = interval.ok_or_else(|| {
        illegal(format!(
            "[interval] must be >0 for histogram aggregation [{name}]"
        ))
    })?;
    // Elasticsearch keeps the offset within [0, interval).
    h.offset = h.offset.rem_euclid(h.interval);
    Ok(h)
}

fn parse_range(body: &Node, name: &str, date: bool) -> Result<RangeAgg, StoreError> {
    let p: &str = if date { "date_range" } else { "range" };
    let mut r = RangeAgg {
        source: ValuesSource::default(),
        ranges: Vec::new(),
        keyed: false,
        time_zone: None,
        date,
    };
    for f in body_fields(body) {
        if source_field(p, f, &mut r.source, true)? {
            continue;
        }
        match f.key.as_str() {
            "keyed" => r.keyed = bool_field(p, f)?,
            "time_zone" if date => {
                let tz = string_field(p, f)?;
                super::interval::time_zone(Some(&tz)).map_err(|e| failed(p, f, e))?;
                r.time_zone = Some(tz);
            }
            "ranges" => {
                let Some(items) = f.value.as_array() else {
                    return Err(crate::query::node::unsupported_type(
                        f.value.at, p, "ranges", &f.value,
                    ));
                };
                for item in items {
                    r.ranges
                        .push(object_field(p, f, |_| parse_one_range(item))?);
                }
            }
            _ => {
                let mut known = source_fields(true);
                known.extend_from_slice(&["keyed", "ranges"]);
                if date {
                    known.push("time_zone");
                }
                return Err(unknown_field(f.key_at, p, &f.key, &known));
            }
        }
    }
    if r.source.field.is_none() {
        return Err(required_field());
    }
    if r.ranges.is_empty() {
        return Err(illegal(format!(
            "No [ranges] specified for the [{name}] aggregation"
        )));
    }
    Ok(r)
}

fn parse_one_range(node: &Node) -> Result<RangeSpec, StoreError> {
    const P: &str = "range";
    let Some(fields) = node.as_object() else {
        return Err(parsing(
            node.at,
            format!("Unexpected token {} in [ranges]", node.token()),
        ));
    };
    let mut r = RangeSpec {
        key: None,
        from: None,
        to: None,
    };
    for f in fields {
        let bound = |f: &Field| -> Result<Option<Value>, StoreError> {
            check_type(P, f, FieldType::Value)?;
            Ok(match &f.value.kind {
                Kind::Null => None,
                Kind::Number(_) | Kind::String(_) => Some(f.value.to_value()),
                _ => {
                    return Err(crate::query::node::unsupported_type(
                        f.value.at, P, &f.key, &f.value,
                    ));
                }
            })
        };
        match f.key.as_str() {
            "key" => r.key = Some(string_field(P, f)?),
            "from" => r.from = bound(f)?,
            "to" => r.to = bound(f)?,
            _ => return Err(unknown_field(f.key_at, P, &f.key, &["key", "from", "to"])),
        }
    }
    Ok(r)
}

fn parse_filters(body: &Node, name: &str) -> Result<FiltersAgg, StoreError> {
    let mut agg = FiltersAgg {
        filters: Vec::new(),
        named: true,
        other_bucket: false,
        other_bucket_key: "_other_".into(),
        keyed: true,
    };
    let mut other_bucket: Option<bool> = None;
    let mut other_key = false;
    let mut seen = false;
    let unknown = |f: &Field| {
        parsing(
            f.value.at,
            format!(
                "Unknown key for a {} in [{name}]: [{}].",
                f.value.token(),
                f.key
            ),
        )
    };
    for f in body_fields(body) {
        match (&f.value.kind, f.key.as_str()) {
            (Kind::Bool(b), "other_bucket") => other_bucket = Some(*b),
            (Kind::Bool(b), "keyed") => agg.keyed = *b,
            (Kind::String(s), "other_bucket_key") => {
                agg.other_bucket_key = s.clone();
                other_key = true;
            }
            (Kind::Object(entries), "filters") => {
                seen = true;
                agg.named = true;
                let mut named = Vec::new();
                for e in entries {
                    named.push((Some(e.key.clone()), parse_top(&e.value)?));
                }
                // Elasticsearch keeps named filters sorted by name.
                named.sort_by(|a, b| a.0.cmp(&b.0));
                agg.filters = named;
            }
            (Kind::Array(items), "filters") => {
                seen = true;
                agg.named = false;
                agg.filters = items
                    .iter()
                    .map(|i| parse_top(i).map(|q| (None, q)))
                    .collect::<Result<_, _>>()?;
            }
            _ => return Err(unknown(f)),
        }
    }
    if !seen {
        return Err(illegal("[filters] cannot be empty."));
    }
    agg.other_bucket = other_bucket.unwrap_or(other_key);
    if !agg.named {
        agg.keyed = false;
    }
    Ok(agg)
}

fn parse_composite(body: &Node, name: &str) -> Result<CompositeAgg, StoreError> {
    const P: &str = "composite";
    let mut c = CompositeAgg {
        sources: Vec::new(),
        size: 10,
        after: None,
    };
    let mut seen_sources = false;
    for f in body_fields(body) {
        match f.key.as_str() {
            "size" => {
                let n = int_field(P, f)?;
                positive(name, "size", i64::from(n)).map_err(|e| failed(P, f, e))?;
                c.size = n as usize;
            }
            "after" => {
                c.after = match f.value.to_value() {
                    Value::Object(m) => Some(m),
                    _ => {
                        return Err(crate::query::node::unsupported_type(
                            f.value.at, P, "after", &f.value,
                        ));
                    }
                }
            }
            "sources" => {
                seen_sources = true;
                let Some(items) = f.value.as_array() else {
                    return Err(crate::query::node::unsupported_type(
                        f.value.at, P, "sources", &f.value,
                    ));
                };
                for item in items {
                    c.sources
                        .push(object_field(P, f, |_| parse_composite_source(item))?);
                }
            }
            _ => {
                return Err(unknown_field(
                    f.key_at,
                    P,
                    &f.key,
                    &["size", "sources", "after"],
                ));
            }
        }
    }
    if !seen_sources || c.sources.is_empty() {
        return Err(illegal("Composite [sources] cannot be null or empty"));
    }
    let mut names: Vec<&str> = c.sources.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    let dups: Vec<&str> = names
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    if !dups.is_empty() {
        return Err(illegal(format!(
            "Composite source names must be unique, found duplicates: [{}]",
            dups.join(", ")
        )));
    }
    if let Some(after) = &c.after
        && after.len() != c.sources.len()
    {
        return Err(illegal(format!(
            "[after] has {} value(s) but [sources] has {}",
            after.len(),
            c.sources.len()
        )));
    }
    Ok(c)
}

fn parse_composite_source(node: &Node) -> Result<CompositeSource, StoreError> {
    let fields = node.as_object().unwrap_or_default();
    let [entry] = fields else {
        return Err(parsing(
            node.at,
            format!(
                "Expected exactly one source in [sources], found {}",
                fields.len()
            ),
        ));
    };
    let name = entry.key.clone();
    let types = entry.value.as_object().unwrap_or_default();
    let [kind] = types else {
        return Err(parsing(
            entry.value.at,
            "Unexpected token in composite source",
        ));
    };
    let p = kind.key.as_str();
    let mut source = ValuesSource::default();
    let mut asc = true;
    let mut missing_bucket = false;
    let mut interval_f = None;
    let mut date_interval = None;
    let mut tz = None;
    let mut offset = 0;
    for f in kind.value.as_object().unwrap_or_default() {
        if source_field(p, f, &mut source, true)? {
            continue;
        }
        match (p, f.key.as_str()) {
            (_, "order") => {
                let o = string_field(p, f)?;
                asc = match o.to_ascii_lowercase().as_str() {
                    "asc" => true,
                    "desc" => false,
                    _ => return Err(failed(p, f, illegal(format!("Unknown SortOrder [{o}]")))),
                };
            }
            (_, "missing_bucket") => missing_bucket = bool_field(p, f)?,
            (_, "missing_order") => {
                string_field(p, f)?;
            }
            ("histogram", "interval") => interval_f = Some(double_field(p, f)?),
            ("date_histogram", "calendar_interval") => {
                let t = string_field(p, f)?;
                date_interval = Some(DateInterval::calendar(&t).map_err(|e| failed(p, f, e))?);
            }
            ("date_histogram", "fixed_interval") => {
                let t = string_field(p, f)?;
                date_interval = Some(DateInterval::fixed(&t).map_err(|e| failed(p, f, e))?);
            }
            ("date_histogram", "time_zone") => {
                let t = string_field(p, f)?;
                super::interval::time_zone(Some(&t)).map_err(|e| failed(p, f, e))?;
                tz = Some(t);
            }
            ("date_histogram", "offset") => offset = object_field(p, f, parse_offset)?,
            _ => {
                return Err(unknown_field(
                    f.key_at,
                    p,
                    &f.key,
                    &[
                        "field",
                        "missing_bucket",
                        "missing_order",
                        "order",
                        "format",
                        "value_type",
                        "script",
                    ],
                ));
            }
        }
    }
    let kind = match p {
        "terms" => CompositeSourceKind::Terms,
        "histogram" => {
            CompositeSourceKind::Histogram(interval_f.filter(|i| *i > 0.0).ok_or_else(|| {
                illegal(format!(
                    "[interval] must be greater than 0 for [histogram] source [{name}]"
                ))
            })?)
        }
        "date_histogram" => CompositeSourceKind::DateHistogram {
            interval: date_interval.ok_or_else(|| {
                illegal("Invalid interval specified, must be non-null and non-empty")
            })?,
            time_zone: tz,
            offset,
        },
        other => {
            return Err(parsing(
                kind.value.at,
                format!("Unknown CompositeValuesSourceBuilder type [{other}]"),
            ));
        }
    };
    if source.field.is_none() {
        return Err(required_field());
    }
    Ok(CompositeSource {
        name,
        kind,
        source,
        asc,
        missing_bucket,
    })
}

fn parse_percentiles(body: &Node, name: &str) -> Result<PercentilesAgg, StoreError> {
    const P: &str = "percentiles";
    let mut p = PercentilesAgg {
        source: ValuesSource::default(),
        percents: vec![1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0],
        keyed: true,
        compression: 100.0,
    };
    for f in body_fields(body) {
        if source_field(P, f, &mut p.source, true)? {
            continue;
        }
        match f.key.as_str() {
            "percents" => {
                let values: Vec<f64> = object_field(P, f, |v| match &v.kind {
                    Kind::Array(items) => items.iter().map(double_value).collect(),
                    _ => Ok(vec![double_value(v)?]),
                })?;
                if values.is_empty() {
                    return Err(failed(
                        P,
                        f,
                        illegal(format!("[percents] must not be empty: [{name}]")),
                    ));
                }
                let mut sorted = values;
                sorted.sort_by(f64::total_cmp);
                for v in &sorted {
                    if !(0.0..=100.0).contains(v) {
                        return Err(failed(
                            P,
                            f,
                            illegal(format!(
                                "percent must be in [0,100], got [{}]: [{name}]",
                                super::format::java_double(*v)
                            )),
                        ));
                    }
                }
                p.percents = sorted;
            }
            "keyed" => p.keyed = bool_field(P, f)?,
            "tdigest" => {
                for g in f.value.as_object().unwrap_or_default() {
                    match g.key.as_str() {
                        "compression" => {
                            let c = double_field("tdigest", g)?;
                            if c < 0.0 {
                                return Err(failed(
                                    "tdigest",
                                    g,
                                    illegal(format!(
                                        "[compression] must be greater than or equal to 0. Found [{}] in [{name}]",
                                        super::format::java_double(c)
                                    )),
                                ));
                            }
                            p.compression = c;
                        }
                        "execution_hint" => {
                            string_field("tdigest", g)?;
                        }
                        _ => {
                            return Err(unknown_field(
                                g.key_at,
                                "tdigest",
                                &g.key,
                                &["compression", "execution_hint"],
                            ));
                        }
                    }
                }
            }
            "hdr" => {
                return Err(failed(
                    P,
                    f,
                    illegal("[hdr] percentiles are not supported by this store; use [tdigest]"),
                ));
            }
            _ => {
                let mut known = source_fields(true);
                known.extend_from_slice(&["percents", "keyed", "tdigest", "hdr"]);
                return Err(unknown_field(f.key_at, P, &f.key, &known));
            }
        }
    }
    if p.source.field.is_none() {
        return Err(required_field());
    }
    Ok(p)
}

fn parse_top_hits(body: &Node, name: &str) -> Result<TopHitsAgg, StoreError> {
    const P: &str = "top_hits";
    let mut t = TopHitsAgg {
        from: 0,
        size: 3,
        sort: Vec::new(),
        source: SourceFilter::All,
        version: false,
        seq_no_primary_term: false,
        track_scores: false,
    };
    for f in body_fields(body) {
        match f.key.as_str() {
            "from" => {
                let n = int_field(P, f)?;
                non_negative(name, "from", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.from = n as usize;
            }
            "size" => {
                let n = int_field(P, f)?;
                non_negative(name, "size", i64::from(n)).map_err(|e| failed(P, f, e))?;
                t.size = n as usize;
            }
            "sort" => t.sort = parse_sort(&f.value)?,
            "_source" => t.source = fetch_source(&f.value)?,
            "version" => t.version = bool_field(P, f)?,
            "seq_no_primary_term" => t.seq_no_primary_term = bool_field(P, f)?,
            "track_scores" => t.track_scores = bool_field(P, f)?,
            "explain" => {
                if bool_field(P, f)? {
                    return Err(failed(P, f, illegal("[explain] is not supported")));
                }
            }
            "stored_fields" | "docvalue_fields" | "fields" | "script_fields" | "highlight" => {
                let empty = match &f.value.kind {
                    Kind::Array(a) => a.is_empty(),
                    Kind::Object(o) => o.is_empty(),
                    _ => false,
                };
                if !empty {
                    return Err(failed(
                        P,
                        f,
                        illegal(format!("[{}] in [top_hits] is not supported", f.key)),
                    ));
                }
            }
            _ => {
                return Err(unknown_field(
                    f.key_at,
                    P,
                    &f.key,
                    &[
                        "from",
                        "size",
                        "sort",
                        "_source",
                        "version",
                        "seq_no_primary_term",
                        "track_scores",
                        "explain",
                        "stored_fields",
                        "docvalue_fields",
                        "fields",
                        "script_fields",
                        "highlight",
                    ],
                ));
            }
        }
    }
    Ok(t)
}

fn parse_top_metrics(body: &Node) -> Result<TopMetricsAgg, StoreError> {
    const P: &str = "top_metrics";
    let mut metrics = Vec::new();
    let mut sort = None;
    let mut size = 1;
    for f in body_fields(body) {
        match f.key.as_str() {
            "metrics" => {
                let items: Vec<&Node> = match &f.value.kind {
                    Kind::Array(a) => a.iter().collect(),
                    Kind::Object(_) => vec![&f.value],
                    _ => {
                        return Err(crate::query::node::unsupported_type(
                            f.value.at, P, "metrics", &f.value,
                        ));
                    }
                };
                for item in items {
                    for g in item.as_object().unwrap_or_default() {
                        match g.key.as_str() {
                            "field" => metrics.push(string_field("metrics", g)?),
                            _ => {
                                return Err(unknown_field(g.key_at, "metrics", &g.key, &["field"]));
                            }
                        }
                    }
                }
            }
            "sort" => {
                let specs = parse_sort(&f.value)?;
                if specs.len() != 1 {
                    return Err(illegal("only one sort is supported by [top_metrics]"));
                }
                sort = specs.into_iter().next();
            }
            "size" => {
                let n = int_field(P, f)?;
                if n < 1 {
                    return Err(failed(
                        P,
                        f,
                        illegal(format!("[size] must be more than 0 but was [{n}]")),
                    ));
                }
                size = n as usize;
            }
            _ => {
                return Err(unknown_field(
                    f.key_at,
                    P,
                    &f.key,
                    &["metrics", "sort", "size"],
                ));
            }
        }
    }
    if metrics.is_empty() {
        return Err(illegal("Required [metrics]"));
    }
    let sort = sort.ok_or_else(|| illegal("Required [sort]"))?;
    Ok(TopMetricsAgg {
        metrics,
        sort,
        size,
    })
}

/// `GapPolicy.parse`.
fn gap_policy(text: &str, at: crate::query::node::Loc) -> Result<GapPolicy, StoreError> {
    match text {
        "skip" => Ok(GapPolicy::Skip),
        "insert_zeros" => Ok(GapPolicy::InsertZeros),
        "keep_values" => Ok(GapPolicy::KeepValues),
        other => Err(parsing(
            at,
            format!(
                "Invalid gap policy: [{other}], accepted values: [skip, insert_zeros, keep_values]"
            ),
        )),
    }
}

/// The hand-written pipeline parsers (`derivative`, `*_bucket`, `cumulative_sum`):
/// `buckets_path`, `format`, `gap_policy` and the `extra` string keys.
fn parse_pipeline(
    body: &Node,
    name: &str,
    kind: &str,
    extra: &[&str],
) -> Result<(PipelineSpec, Option<String>), StoreError> {
    let mut spec = PipelineSpec {
        paths: Vec::new(),
        gap_policy: GapPolicy::Skip,
        format: None,
    };
    let mut extra_value = None;
    let mut seen_paths = false;
    for f in body_fields(body) {
        let key = f.key.as_str();
        let unknown = || {
            parsing(
                f.value.at,
                format!(
                    "Unknown key for a {} in [{name}]: [{key}].",
                    f.value.token()
                ),
            )
        };
        match &f.value.kind {
            Kind::String(s) => match key {
                "format" => spec.format = Some(s.clone()),
                "buckets_path" => {
                    seen_paths = true;
                    spec.paths = vec![("_value".into(), s.clone())];
                }
                "gap_policy" if kind != "cumulative_sum" => {
                    spec.gap_policy = gap_policy(s, f.value.at)?
                }
                k if extra.contains(&k) => extra_value = Some(s.clone()),
                _ => return Err(unknown()),
            },
            Kind::Array(items) if key == "buckets_path" => {
                seen_paths = true;
                spec.paths = items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.text().map(|t| (format!("_value{i}"), t)))
                    .collect::<Result<_, _>>()?;
            }
            Kind::Array(_) | Kind::Object(_) if kind == "cumulative_sum" => {
                return Err(unknown_field(
                    f.key_at,
                    kind,
                    key,
                    &["buckets_path", "format"],
                ));
            }
            _ => {
                if kind == "cumulative_sum" {
                    return Err(unknown_field(
                        f.key_at,
                        kind,
                        key,
                        &["buckets_path", "format"],
                    ));
                }
                return Err(parsing(
                    f.value.at,
                    format!("Unexpected token {} in [{name}].", f.value.token()),
                ));
            }
        }
    }
    if !seen_paths {
        return Err(match kind {
            "derivative" => parsing(
                body.end,
                format!(
                    "Missing required field [buckets_path] for derivative aggregation [{name}]"
                ),
            ),
            "cumulative_sum" => illegal("Required [buckets_path]"),
            _ => parsing(
                body.end,
                format!("Missing required field [buckets_path] for aggregation [{name}]"),
            ),
        });
    }
    Ok((spec, extra_value))
}

/// `derivative`'s `unit`: a calendar unit (its base duration) or a time value.
fn derivative_unit(text: &str) -> Result<i64, StoreError> {
    if let Some(unit) = CalendarUnit::parse(text) {
        return Ok(match unit {
            CalendarUnit::Month => 2_629_746_000,
            CalendarUnit::Quarter => 7_889_238_000,
            CalendarUnit::Year => 31_556_952_000,
            other => other.fixed_millis().unwrap_or(1),
        });
    }
    ironstack_types::TimeValue::parse(text, "DerivativePipelineAggregationBuilder.unit")
        .map(|v| v.millis())
        .map_err(|e| StoreError::Parse(e.to_string()))
}

fn parse_bucket_script(body: &Node, name: &str) -> Result<(PipelineSpec, Expr), StoreError> {
    let mut spec = PipelineSpec {
        paths: Vec::new(),
        gap_policy: GapPolicy::Skip,
        format: None,
    };
    let mut script: Option<(String, Map<String, Value>)> = None;
    let mut seen_paths = false;
    for f in body_fields(body) {
        let key = f.key.as_str();
        let unknown = || {
            parsing(
                f.value.at,
                format!(
                    "Unknown key for a {} in [{name}]: [{key}].",
                    f.value.token()
                ),
            )
        };
        match (&f.value.kind, key) {
            (Kind::String(s), "format") => spec.format = Some(s.clone()),
            (Kind::String(s), "gap_policy") => spec.gap_policy = gap_policy(s, f.value.at)?,
            (Kind::String(s), "buckets_path") => {
                seen_paths = true;
                spec.paths = vec![("_value0".into(), s.clone())];
            }
            (Kind::String(s), "script") => script = Some((s.clone(), Map::new())),
            (Kind::Array(items), "buckets_path") => {
                seen_paths = true;
                spec.paths = items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n.text().map(|t| (format!("_value{i}"), t)))
                    .collect::<Result<_, _>>()?;
            }
            (Kind::Object(entries), "buckets_path") => {
                seen_paths = true;
                spec.paths = entries
                    .iter()
                    .map(|e| e.value.text().map(|t| (e.key.clone(), t)))
                    .collect::<Result<_, _>>()?;
            }
            (Kind::Object(entries), "script") => {
                let mut source = None;
                let mut params = Map::new();
                for e in entries {
                    match e.key.as_str() {
                        "source" | "inline" => source = Some(e.value.text()?),
                        "lang" => {
                            let lang = e.value.text()?;
                            if !matches!(lang.as_str(), "painless" | "expression") {
                                return Err(illegal(format!("script_lang not supported [{lang}]")));
                            }
                        }
                        "params" => {
                            if let Value::Object(m) = e.value.to_value() {
                                params = m;
                            }
                        }
                        "id" => {
                            return Err(illegal("stored scripts are not supported by this store"));
                        }
                        "options" => {}
                        other => {
                            return Err(parsing(
                                e.value.at,
                                format!("[script] unknown field [{other}]"),
                            ));
                        }
                    }
                }
                let source = source.ok_or_else(|| {
                    parsing(f.value.at, "must specify either [source] for an inline script or [id] for a stored script")
                })?;
                script = Some((source, params));
            }
            _ => return Err(unknown()),
        }
    }
    if !seen_paths {
        return Err(parsing(
            body.end,
            format!(
                "Missing required field [buckets_path] for series_arithmetic aggregation [{name}]"
            ),
        ));
    }
    let Some((source, params)) = script else {
        return Err(parsing(
            body.end,
            format!("Missing required field [script] for series_arithmetic aggregation [{name}]"),
        ));
    };
    let mut expr = Expr::parse(&source)?;
    // Numeric script params become constants.
    expr = substitute(expr, &params);
    let mut used = Vec::new();
    expr.params(&mut used);
    for p in used {
        if !spec.paths.iter().any(|(v, _)| *v == p) {
            return Err(illegal(format!(
                "cannot run script [{source}]: [params.{p}] is neither in [buckets_path] nor a numeric script parameter"
            )));
        }
    }
    Ok((spec, expr))
}

fn substitute(e: Expr, params: &Map<String, Value>) -> Expr {
    match e {
        Expr::Param(p) => match params.get(&p).and_then(Value::as_f64) {
            Some(v) => match params.get(&p).and_then(Value::as_i64) {
                Some(i) if i32::try_from(i).is_ok() => Expr::Int(i as i32),
                _ => Expr::Double(v),
            },
            None => Expr::Param(p),
        },
        Expr::Neg(x) => Expr::Neg(Box::new(substitute(*x, params))),
        Expr::Op(op, a, b) => Expr::Op(
            op,
            Box::new(substitute(*a, params)),
            Box::new(substitute(*b, params)),
        ),
        other => other,
    }
}

/// The Java class Elasticsearch names in pipeline validation messages.
fn builder_class(kind: &AggKind) -> &'static str {
    match kind {
        AggKind::Filter(_) => {
            "org.elasticsearch.search.aggregations.bucket.filter.FilterAggregationBuilder"
        }
        AggKind::Missing(_) => {
            "org.elasticsearch.search.aggregations.bucket.missing.MissingAggregationBuilder"
        }
        AggKind::Avg(_) => "org.elasticsearch.search.aggregations.metrics.AvgAggregationBuilder",
        AggKind::Min(_) => "org.elasticsearch.search.aggregations.metrics.MinAggregationBuilder",
        AggKind::Max(_) => "org.elasticsearch.search.aggregations.metrics.MaxAggregationBuilder",
        AggKind::Sum(_) => "org.elasticsearch.search.aggregations.metrics.SumAggregationBuilder",
        AggKind::ValueCount(_) => {
            "org.elasticsearch.search.aggregations.metrics.ValueCountAggregationBuilder"
        }
        AggKind::Stats(_) => {
            "org.elasticsearch.search.aggregations.metrics.StatsAggregationBuilder"
        }
        AggKind::ExtendedStats(..) => {
            "org.elasticsearch.search.aggregations.metrics.ExtendedStatsAggregationBuilder"
        }
        AggKind::Cardinality(..) => {
            "org.elasticsearch.search.aggregations.metrics.CardinalityAggregationBuilder"
        }
        AggKind::Percentiles(_) => {
            "org.elasticsearch.search.aggregations.metrics.PercentilesAggregationBuilder"
        }
        AggKind::TopHits(_) => {
            "org.elasticsearch.search.aggregations.metrics.TopHitsAggregationBuilder"
        }
        AggKind::TopMetrics(_) => {
            "org.elasticsearch.xpack.analytics.topmetrics.TopMetricsAggregationBuilder"
        }
        _ => "org.elasticsearch.search.aggregations.AggregationBuilder",
    }
}

/// `AggregatorFactories.Builder.validate`: the pipeline errors of the whole tree, in
/// Elasticsearch's order (each level's pipelines, then its children).
pub fn validate(aggs: &Aggregations) -> Vec<String> {
    let mut errors = Vec::new();
    validate_level(aggs, None, &mut errors);
    errors
}

fn validate_level(level: &Aggregations, parent: Option<&AggDef>, errors: &mut Vec<String>) {
    match resolve_order(level) {
        Err(message) => errors.push(message),
        Ok(()) => {
            for def in level.0.iter().filter(|d| d.kind.is_pipeline()) {
                validate_pipeline(level, parent, def, errors);
            }
        }
    }
    for def in level.0.iter().filter(|d| !d.kind.is_pipeline()) {
        validate_level(&def.subs, Some(def), errors);
    }
}

fn validate_pipeline(
    level: &Aggregations,
    parent: Option<&AggDef>,
    def: &AggDef,
    errors: &mut Vec<String>,
) {
    let name = &def.name;
    let single_path = |spec: &PipelineSpec, errors: &mut Vec<String>| {
        if spec.paths.len() != 1 {
            errors.push(format!(
                "buckets_path must contain a single entry for aggregation [{name}]"
            ));
            false
        } else {
            true
        }
    };
    let sequential = |kind: &str, errors: &mut Vec<String>| {
        match parent {
        None => errors.push(format!(
            "{kind} aggregation [{name}] must have a histogram, date_histogram or auto_date_histogram as parent but doesn't have a parent"
        )),
        Some(p) => match &p.kind {
            AggKind::Histogram(h) if h.min_doc_count != 0 => errors.push(format!(
                "parent histogram of {kind} aggregation [{name}] must have min_doc_count of 0"
            )),
            AggKind::DateHistogram(h) if h.min_doc_count != 0 => errors.push(format!(
                "parent histogram of {kind} aggregation [{name}] must have min_doc_count of 0"
            )),
            AggKind::Histogram(_) | AggKind::DateHistogram(_) => {}
            _ => errors.push(format!(
                "{kind} aggregation [{name}] must have a histogram, date_histogram or auto_date_histogram as parent"
            )),
        },
    }
    };
    match &def.kind {
        AggKind::Derivative(spec, _) => {
            single_path(spec, errors);
            sequential("derivative", errors);
        }
        AggKind::CumulativeSum(spec) => {
            single_path(spec, errors);
            sequential("cumulative_sum", errors);
        }
        AggKind::BucketScript(..) if parent.is_none() => {
            errors.push(format!(
                "bucket_script aggregation [{name}] must be declared inside of another aggregation"
            ));
        }
        AggKind::BucketMetric(_, spec) => {
            if !single_path(spec, errors) {
                return;
            }
            let path = &spec.paths[0].1;
            let first = path.split(['>', '.']).next().unwrap_or("");
            match level.0.iter().find(|d| d.name == first && !d.kind.is_pipeline()) {
                None => errors.push(format!(
                    "buckets_path aggregation does not exist for aggregation [{name}]: {path}"
                )),
                Some(agg) if !agg.kind.is_multi_bucket() => errors.push(format!(
                    "The first aggregation in buckets_path must be a multi-bucket aggregation for aggregation [{name}] found :{} for buckets path: {path}",
                    builder_class(&agg.kind)
                )),
                Some(_) => {}
            }
        }
        _ => {}
    }
}

/// `resolvePipelineAggregatorOrder`: every path must name an aggregation of the level (or a
/// pipeline, or a sub-aggregation path below one), without cycles.
fn resolve_order(level: &Aggregations) -> Result<(), String> {
    let pipelines: Vec<&AggDef> = level.0.iter().filter(|d| d.kind.is_pipeline()).collect();
    let mut done: Vec<&str> = Vec::new();
    fn visit<'a>(
        level: &'a Aggregations,
        def: &'a AggDef,
        done: &mut Vec<&'a str>,
        marked: &mut Vec<&'a str>,
    ) -> Result<(), String> {
        if done.contains(&def.name.as_str()) {
            return Ok(());
        }
        if marked.contains(&def.name.as_str()) {
            return Err(format!(
                "Cyclical dependency found with pipeline aggregator [{}]",
                def.name
            ));
        }
        marked.push(&def.name);
        let spec = super::pipeline::pipeline_spec(&def.kind);
        for (_, path) in spec.map(|s| s.paths.as_slice()).unwrap_or_default() {
            if path == "_count" || path == "_key" {
                continue;
            }
            let parts = split_path(path);
            let first = parts.first().map(|p| p.0.as_str()).unwrap_or("");
            if let Some(agg) = level
                .0
                .iter()
                .find(|d| d.name == first && !d.kind.is_pipeline())
            {
                let mut agg = agg;
                for (i, (element, _)) in parts.iter().enumerate().skip(1) {
                    let last = i == parts.len() - 1;
                    if last && (element.eq_ignore_ascii_case("_key") || element == "_count") {
                        break;
                    }
                    match agg
                        .subs
                        .0
                        .iter()
                        .find(|d| d.name == *element && !d.kind.is_pipeline())
                    {
                        Some(sub) => agg = sub,
                        None => {
                            let pipeline = last
                                && agg
                                    .subs
                                    .0
                                    .iter()
                                    .any(|d| d.name == *element && d.kind.is_pipeline());
                            if !pipeline {
                                return Err(format!(
                                    "No aggregation [{element}] found for path [{path}]"
                                ));
                            }
                        }
                    }
                }
            } else if let Some(other) = level
                .0
                .iter()
                .find(|d| d.name == first && d.kind.is_pipeline())
            {
                visit(level, other, done, marked)?;
            } else {
                return Err(format!("No aggregation found for path [{path}]"));
            }
        }
        marked.retain(|m| *m != def.name);
        done.push(&def.name);
        Ok(())
    }
    let mut marked = Vec::new();
    for def in pipelines {
        visit(level, def, &mut done, &mut marked)?;
    }
    Ok(())
}

/// `AggregationPath.parse` as path elements `(name, key)` (the key of `a.b` or `a[b]`; only
/// the last element splits at `.`).
fn split_path(path: &str) -> Vec<(String, Option<String>)> {
    let elements: Vec<&str> = path.split('>').filter(|e| !e.is_empty()).collect();
    elements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if let Some(index) = e.rfind('[')
                && e.ends_with(']')
                && index > 0
            {
                return (
                    e[..index].to_string(),
                    Some(e[index + 1..e.len() - 1].to_string()),
                );
            }
            if i == elements.len() - 1
                && let Some(index) = e.rfind('.')
                && index > 0
            {
                return (e[..index].to_string(), Some(e[index + 1..].to_string()));
            }
            ((*e).to_string(), None)
        })
        .collect()
}
