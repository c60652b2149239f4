//! Pipeline aggregations over the reduced result tree, in the order Elasticsearch applies
//! them (`reducePipelines`): a bucket aggregation's own buckets are done first, then the
//! pipelines declared among its sub-aggregations (`derivative`, `cumulative_sum`,
//! `bucket_script` across its buckets; `max_bucket` and friends within each bucket), then
//! the sibling pipelines of the top level. Also `buckets_path` resolution
//! (`AggregationPath`), which `terms` ordering shares, and `BucketHelpers`' gap rules.

use std::collections::BTreeMap;

use crate::StoreError;

use super::format::java_double;
use super::result::{Bucket, BucketKey, InternalAgg, KeyFormat};
use super::{AggDef, AggKind, Aggregations, BucketMetric, GapPolicy, PipelineSpec};

/// `AggregationPath.parse` flattened to names: `a>b.c` is `[a, b, c]`, `p[99.9]` is
/// `[p, 99.9]`; only the last element splits at its last `.`.
pub(crate) fn parse_path(path: &str) -> Result<Vec<String>, StoreError> {
    let invalid = |e: &str| {
        StoreError::IllegalArgument(format!("Invalid path element [{e}] in path [{path}]"))
    };
    let elements: Vec<&str> = path
        .split('>')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let mut out = Vec::new();
    for (i, e) in elements.iter().enumerate() {
        if let Some(index) = e.rfind('[') {
            if index == 0 || index + 3 > e.len() || !e.ends_with(']') {
                return Err(invalid(e));
            }
            out.push(e[..index].to_string());
            out.push(e[index + 1..e.len() - 1].to_string());
            continue;
        }
        if i == elements.len() - 1
            && let Some(index) = e.rfind('.')
        {
            if index == 0 || index + 2 > e.len() {
                return Err(invalid(e));
            }
            out.push(e[..index].to_string());
            out.push(e[index + 1..].to_string());
            continue;
        }
        out.push((*e).to_string());
    }
    Ok(out)
}

fn not_a_number(what: &str, name: &str) -> StoreError {
    StoreError::IllegalArgument(format!(
        "buckets_path must reference either a number value or a single value numeric metric aggregation, got: [{what}] at aggregation [{name}]"
    ))
}

/// The number a path names within a bucket (`_count`, `_key`, a metric, a metric's value,
/// a path through single-bucket aggregations); NaN for an empty metric.
pub(crate) fn resolve_in_bucket(
    defs: &Aggregations,
    bucket: &Bucket,
    path: &str,
) -> Result<f64, StoreError> {
    let parts = parse_path(path)?;
    resolve_parts(
        defs,
        &bucket.subs,
        bucket.doc_count,
        Some(&bucket.key),
        &parts,
    )
}

fn resolve_parts(
    defs: &Aggregations,
    subs: &[InternalAgg],
    doc_count: u64,
    key: Option<&BucketKey>,
    parts: &[String],
) -> Result<f64, StoreError> {
    let Some(first) = parts.first() else {
        return Ok(doc_count as f64);
    };
    match first.as_str() {
        "_count" => return Ok(doc_count as f64),
        "_key" => {
            return key.and_then(BucketKey::as_f64).ok_or_else(|| {
                StoreError::IllegalArgument(
                    "buckets_path must reference either a number value or a single value numeric metric aggregation".into(),
                )
            });
        }
        _ => {}
    }
    let Some(index) = defs.0.iter().position(|d| d.name == *first) else {
        return Err(StoreError::IllegalArgument(format!(
            "No aggregation found for path [{}]",
            parts.join(".")
        )));
    };
    let def = &defs.0[index];
    let result = subs.get(index).unwrap_or(&InternalAgg::Pending);
    metric_value(def, result, &parts[1..])
}

fn metric_value(def: &AggDef, result: &InternalAgg, rest: &[String]) -> Result<f64, StoreError> {
    let key = rest.first().map(String::as_str);
    let simple = |v: f64| match key {
        None | Some("value") => Ok(v),
        Some(k) => Err(StoreError::IllegalArgument(format!(
            "unknown property [{k}] for aggregation [{}]",
            def.name
        ))),
    };
    match result {
        InternalAgg::Avg { sum, count, .. } => simple(if *count == 0 {
            f64::NAN
        } else {
            sum.value / *count as f64
        }),
        InternalAgg::Sum { sum, .. } => simple(sum.value),
        InternalAgg::Min { value, .. } | InternalAgg::Max { value, .. } => simple(*value),
        InternalAgg::ValueCount(n) => simple(*n as f64),
        InternalAgg::Cardinality(c) => simple(c.value() as f64),
        InternalAgg::Value { value, .. } | InternalAgg::Derivative { value, .. } => simple(*value),
        InternalAgg::Stats { stats, .. } => {
            let Some(k) = key else {
                return Err(not_a_number("InternalStats", &def.name));
            };
            let sigma = match &def.kind {
                AggKind::ExtendedStats(_, s) => *s,
                _ => 2.0,
            };
            stats_value(stats, k, sigma).ok_or_else(|| {
                StoreError::IllegalArgument(format!(
                    "unknown property [{k}] for aggregation [{}]",
                    def.name
                ))
            })
        }
        InternalAgg::Percentiles { digest, .. } => {
            let Some(k) = key else {
                return Err(not_a_number("InternalTDigestPercentiles", &def.name));
            };
            let p: f64 = k.parse().map_err(|_| {
                StoreError::IllegalArgument(format!(
                    "Invalid percentile [{k}] for aggregation [{}]",
                    def.name
                ))
            })?;
            let mut d = digest.clone();
            Ok(d.quantile(p / 100.0))
        }
        InternalAgg::Single { doc_count, subs } => {
            resolve_parts(&def.subs, subs, *doc_count, None, rest)
        }
        InternalAgg::Terms(t) if key == Some("_bucket_count") => Ok(t.buckets.len() as f64),
        InternalAgg::Histogram(h) if key == Some("_bucket_count") => Ok(h.buckets.len() as f64),
        InternalAgg::Range(r) if key == Some("_bucket_count") => Ok(r.buckets.len() as f64),
        InternalAgg::Filters(f) if key == Some("_bucket_count") => Ok(f.buckets.len() as f64),
        InternalAgg::Filters(f) => {
            // `filters[name]`.
            let Some(k) = key else {
                return Err(not_a_number("InternalFilters", &def.name));
            };
            let b = f
                .buckets
                .iter()
                .find(|b| matches!(&b.key, BucketKey::Str(s) if s == k))
                .ok_or_else(|| StoreError::IllegalArgument(format!("Unknown bucket key [{k}]")))?;
            resolve_parts(&def.subs, &b.subs, b.doc_count, Some(&b.key), &rest[1..])
        }
        InternalAgg::Pending => Ok(f64::NAN),
        other => Err(not_a_number(class_name(other), &def.name)),
    }
}

fn class_name(r: &InternalAgg) -> &'static str {
    match r {
        InternalAgg::Terms(_) => "StringTerms",
        InternalAgg::Histogram(_) => "InternalHistogram",
        InternalAgg::Range(_) => "InternalRange",
        InternalAgg::Composite(_) => "InternalComposite",
        InternalAgg::TopHits(_) => "InternalTopHits",
        InternalAgg::TopMetrics(_) => "InternalTopMetrics",
        _ => "InternalAggregation",
    }
}

/// A named figure of `stats`/`extended_stats`.
pub(crate) fn stats_value(s: &super::result::Stats, name: &str, sigma: f64) -> Option<f64> {
    let n = s.count as f64;
    let empty = s.count == 0;
    let avg = if empty { f64::NAN } else { s.sum.value / n };
    let var_pop = if empty {
        f64::NAN
    } else {
        ((s.sum_of_squares.value - s.sum.value * s.sum.value / n) / n).max(0.0)
    };
    let var_samp = if s.count < 2 {
        f64::NAN
    } else {
        ((s.sum_of_squares.value - s.sum.value * s.sum.value / n) / (n - 1.0)).max(0.0)
    };
    Some(match name {
        "count" => n,
        "sum" => s.sum.value,
        "min" => s.min,
        "max" => s.max,
        "avg" => avg,
        "sum_of_squares" => s.sum_of_squares.value,
        "variance" | "variance_population" => var_pop,
        "variance_sampling" => var_samp,
        "std_deviation" | "std_deviation_population" => var_pop.sqrt(),
        "std_deviation_sampling" => var_samp.sqrt(),
        "std_upper" | "std_deviation_bounds.upper" => avg + sigma * var_pop.sqrt(),
        "std_lower" | "std_deviation_bounds.lower" => avg - sigma * var_pop.sqrt(),
        "std_upper_population" => avg + sigma * var_pop.sqrt(),
        "std_lower_population" => avg - sigma * var_pop.sqrt(),
        "std_upper_sampling" => avg + sigma * var_samp.sqrt(),
        "std_lower_sampling" => avg - sigma * var_samp.sqrt(),
        _ => return None,
    })
}

/// `BucketHelpers.resolveBucketValue`: the value at `path` in a bucket under a gap policy;
/// an empty bucket is a gap whatever its metric says (except for `_count`).
fn bucket_value(
    defs: &Aggregations,
    bucket: &Bucket,
    parts: &[String],
    gap: GapPolicy,
) -> Result<f64, StoreError> {
    let v = resolve_parts(
        defs,
        &bucket.subs,
        bucket.doc_count,
        Some(&bucket.key),
        parts,
    )?;
    if parts.len() == 1 && parts[0] == "_count" {
        return Ok(v);
    }
    if !v.is_finite() || bucket.doc_count == 0 {
        return Ok(match gap {
            GapPolicy::InsertZeros => 0.0,
            GapPolicy::KeepValues if v.is_finite() => v,
            _ => f64::NAN,
        });
    }
    Ok(v)
}

/// A bucket's key as `getKeyAsString` spells it (`max_bucket`'s `keys`).
fn key_as_string(key: &BucketKey, format: &KeyFormat) -> String {
    match (key, format) {
        (BucketKey::Long(v), KeyFormat::Date { format, time_zone }) => {
            let tz = super::interval::time_zone(time_zone.as_deref())
                .unwrap_or(ironstack_types::date::TimeZone::UTC);
            super::format::DatePrinter::new(format.as_deref(), tz)
                .map(|p| p.format(*v))
                .unwrap_or_else(|_| v.to_string())
        }
        (BucketKey::Long(v), KeyFormat::Bool) => (*v != 0).to_string(),
        (BucketKey::Long(v), _) => v.to_string(),
        (BucketKey::ULong(v), _) => v.to_string(),
        (BucketKey::Double(v), _) => java_double(*v),
        (BucketKey::Str(s), _) => s.clone(),
        (BucketKey::Multi(parts), _) => parts
            .iter()
            .map(|p| key_as_string(p, &KeyFormat::Raw))
            .collect::<Vec<_>>()
            .join("|"),
        (BucketKey::Null, _) => "null".into(),
    }
}

/// Applies every pipeline of the tree to reduced results aligned with `defs`.
pub fn apply_pipelines(defs: &Aggregations, results: &mut [InternalAgg]) -> Result<(), StoreError> {
    for (i, def) in defs.0.iter().enumerate() {
        if def.kind.is_pipeline() {
            continue;
        }
        if let Some(r) = results.get_mut(i) {
            apply_within(def, r)?;
        }
    }
    siblings(defs, results)
}

/// The pipelines below one (non-pipeline) aggregation's result.
fn apply_within(def: &AggDef, result: &mut InternalAgg) -> Result<(), StoreError> {
    if def.subs.is_empty() {
        return Ok(());
    }
    // The buckets' own sub-aggregations first.
    for_each_bucket(result, &mut |subs, _, _| apply_pipelines(&def.subs, subs))?;
    // Then the parent pipelines over this aggregation's buckets, in dependency order.
    for p in order(&def.subs)? {
        let pdef = &def.subs.0[p];
        match &pdef.kind {
            AggKind::Derivative(spec, unit) => derivative(def, result, p, spec, *unit)?,
            AggKind::CumulativeSum(spec) => cumulative_sum(def, result, p, spec)?,
            AggKind::BucketScript(spec, expr) => bucket_script(def, result, p, spec, expr)?,
            AggKind::BucketMetric(..) => {
                // A sibling pipeline declared inside a bucket aggregation runs in each bucket.
                for_each_bucket(result, &mut |subs, _, _| {
                    let value = bucket_metric(&def.subs, subs, pdef)?;
                    if let Some(slot) = subs.get_mut(p) {
                        *slot = value;
                    }
                    Ok(())
                })?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The sibling pipelines of one level.
fn siblings(defs: &Aggregations, results: &mut [InternalAgg]) -> Result<(), StoreError> {
    for p in order(defs)? {
        let def = &defs.0[p];
        if matches!(def.kind, AggKind::BucketMetric(..)) {
            let value = bucket_metric(defs, results, def)?;
            if let Some(slot) = results.get_mut(p) {
                *slot = value;
            }
        }
    }
    Ok(())
}

/// Pipelines of a level in dependency order (`resolvePipelineAggregatorOrder`).
fn order(defs: &Aggregations) -> Result<Vec<usize>, StoreError> {
    let pipelines: Vec<usize> = defs
        .0
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind.is_pipeline())
        .map(|(i, _)| i)
        .collect();
    let mut done: Vec<usize> = Vec::new();
    let mut visiting: Vec<usize> = Vec::new();
    fn visit(
        defs: &Aggregations,
        i: usize,
        done: &mut Vec<usize>,
        visiting: &mut Vec<usize>,
    ) -> Result<(), StoreError> {
        if done.contains(&i) {
            return Ok(());
        }
        if visiting.contains(&i) {
            return Err(StoreError::IllegalArgument(format!(
                "Cyclical dependency found with pipeline aggregator [{}]",
                defs.0[i].name
            )));
        }
        visiting.push(i);
        if let Some(spec) = pipeline_spec(&defs.0[i].kind) {
            for (_, path) in &spec.paths {
                let first = parse_path(path)?.into_iter().next().unwrap_or_default();
                if let Some(j) = defs
                    .0
                    .iter()
                    .position(|d| d.name == first && d.kind.is_pipeline())
                    && j != i
                {
                    visit(defs, j, done, visiting)?;
                }
            }
        }
        visiting.retain(|&v| v != i);
        done.push(i);
        Ok(())
    }
    for i in pipelines {
        visit(defs, i, &mut done, &mut visiting)?;
    }
    Ok(done)
}

pub(crate) fn pipeline_spec(kind: &AggKind) -> Option<&PipelineSpec> {
    match kind {
        AggKind::Derivative(s, _)
        | AggKind::CumulativeSum(s)
        | AggKind::BucketMetric(_, s)
        | AggKind::BucketScript(s, _) => Some(s),
        _ => None,
    }
}

type BucketFn<'f> =
    dyn FnMut(&mut [InternalAgg], u64, Option<&BucketKey>) -> Result<(), StoreError> + 'f;

/// Calls `f` with each bucket's sub-results, doc count and key.
fn for_each_bucket(result: &mut InternalAgg, f: &mut BucketFn<'_>) -> Result<(), StoreError> {
    match result {
        InternalAgg::Terms(t) => t
            .buckets
            .iter_mut()
            .try_for_each(|b| f(&mut b.subs, b.doc_count, Some(&b.key))),
        InternalAgg::Histogram(h) => h
            .buckets
            .iter_mut()
            .try_for_each(|b| f(&mut b.subs, b.doc_count, Some(&b.key))),
        InternalAgg::Filters(x) => x
            .buckets
            .iter_mut()
            .try_for_each(|b| f(&mut b.subs, b.doc_count, Some(&b.key))),
        InternalAgg::Composite(c) => c
            .buckets
            .iter_mut()
            .try_for_each(|b| f(&mut b.subs, b.doc_count, Some(&b.key))),
        InternalAgg::Range(r) => r.buckets.iter_mut().try_for_each(|b| {
            let key = BucketKey::Str(b.key.clone());
            f(&mut b.subs, b.doc_count, Some(&key))
        }),
        InternalAgg::Single { doc_count, subs } => f(subs, *doc_count, None),
        _ => Ok(()),
    }
}

/// Values of `path` in each bucket of `result`, in order, with the buckets' keys.
fn series(
    parent: &AggDef,
    result: &mut InternalAgg,
    path: &str,
    gap: GapPolicy,
) -> Result<Vec<(f64, Option<f64>)>, StoreError> {
    let parts = parse_path(path)?;
    let mut out = Vec::new();
    for_each_bucket(result, &mut |subs, doc_count, key| {
        let bucket = Bucket {
            key: key.cloned().unwrap_or(BucketKey::Null),
            doc_count,
            doc_count_error: 0,
            subs: subs.to_vec(),
        };
        out.push((
            bucket_value(&parent.subs, &bucket, &parts, gap)?,
            key.and_then(BucketKey::as_f64),
        ));
        Ok(())
    })?;
    Ok(out)
}

fn set_each(
    result: &mut InternalAgg,
    slot: usize,
    values: Vec<InternalAgg>,
) -> Result<(), StoreError> {
    let mut values = values.into_iter();
    for_each_bucket(result, &mut |subs, _, _| {
        if let (Some(v), Some(s)) = (values.next(), subs.get_mut(slot)) {
            *s = v;
        }
        Ok(())
    })
}

fn first_path(spec: &PipelineSpec) -> &str {
    spec.paths.first().map_or("_count", |(_, p)| p.as_str())
}

/// `derivative`: each bucket's value minus the previous one's (none in the first bucket).
fn derivative(
    parent: &AggDef,
    result: &mut InternalAgg,
    slot: usize,
    spec: &PipelineSpec,
    unit: Option<i64>,
) -> Result<(), StoreError> {
    let values = series(parent, result, first_path(spec), spec.gap_policy)?;
    let mut out = Vec::with_capacity(values.len());
    let mut last: Option<(f64, Option<f64>)> = None;
    for (value, key) in values {
        match last {
            Some((prev, prev_key)) => {
                let gradient = value - prev;
                let normalized = unit.map(|u| {
                    let x = match (key, prev_key) {
                        (Some(k), Some(p)) => (k - p) / u as f64,
                        _ => f64::NAN,
                    };
                    if x > 0.0 { gradient / x } else { gradient }
                });
                out.push(InternalAgg::Derivative {
                    value: gradient,
                    normalized,
                    format: spec.format.clone(),
                });
            }
            None => out.push(InternalAgg::Pending),
        }
        last = Some((value, key));
    }
    set_each(result, slot, out)
}

/// `cumulative_sum`: the running total (gaps count as zero).
fn cumulative_sum(
    parent: &AggDef,
    result: &mut InternalAgg,
    slot: usize,
    spec: &PipelineSpec,
) -> Result<(), StoreError> {
    let values = series(parent, result, first_path(spec), GapPolicy::InsertZeros)?;
    let mut sum = 0.0;
    let out = values
        .into_iter()
        .map(|(v, _)| {
            if v.is_finite() {
                sum += v;
            }
            InternalAgg::Value {
                value: sum,
                keys: None,
                format: spec.format.clone(),
            }
        })
        .collect();
    set_each(result, slot, out)
}

/// `bucket_script`: the script over each bucket's named values; a bucket with a gap is left
/// without a value under `skip`.
fn bucket_script(
    parent: &AggDef,
    result: &mut InternalAgg,
    slot: usize,
    spec: &PipelineSpec,
    expr: &super::script::Expr,
) -> Result<(), StoreError> {
    let mut columns: Vec<Vec<(f64, Option<f64>)>> = Vec::new();
    for (_, path) in &spec.paths {
        columns.push(series(parent, result, path, spec.gap_policy)?);
    }
    let count = columns.first().map_or(0, Vec::len);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut vars = BTreeMap::new();
        let mut skip = false;
        for ((var, _), col) in spec.paths.iter().zip(&columns) {
            let v = col.get(i).map_or(f64::NAN, |c| c.0);
            if spec.gap_policy == GapPolicy::Skip && v.is_nan() {
                skip = true;
                break;
            }
            vars.insert(var.clone(), v);
        }
        if skip {
            out.push(InternalAgg::Pending);
            continue;
        }
        out.push(InternalAgg::Value {
            value: expr.eval(&vars)?,
            keys: None,
            format: spec.format.clone(),
        });
    }
    set_each(result, slot, out)
}

/// `max_bucket`, `min_bucket`, `avg_bucket`, `sum_bucket` over the buckets of a sibling.
fn bucket_metric(
    defs: &Aggregations,
    results: &[InternalAgg],
    def: &AggDef,
) -> Result<InternalAgg, StoreError> {
    let AggKind::BucketMetric(metric, spec) = &def.kind else {
        return Ok(InternalAgg::Pending);
    };
    let parts = parse_path(first_path(spec))?;
    let Some(first) = parts.first() else {
        return Ok(InternalAgg::Pending);
    };
    let mut keys: Vec<String> = Vec::new();
    let (mut best, mut sum, mut count) = (
        match metric {
            BucketMetric::Max => f64::NEG_INFINITY,
            _ => f64::INFINITY,
        },
        0.0,
        0u64,
    );
    for (i, sdef) in defs.0.iter().enumerate() {
        if sdef.name != *first {
            continue;
        }
        let Some(r) = results.get(i) else { continue };
        let mut r = r.clone();
        let format = match &r {
            InternalAgg::Terms(t) => t.formats.first().cloned().unwrap_or_default(),
            InternalAgg::Histogram(h) => h.format.clone(),
            _ => KeyFormat::Raw,
        };
        let count_path = ["_count".to_string()];
        let path: &[String] = if parts.len() > 1 {
            &parts[1..]
        } else {
            &count_path
        };
        for_each_bucket(&mut r, &mut |subs, doc_count, key| {
            let bucket = Bucket {
                key: key.cloned().unwrap_or(BucketKey::Null),
                doc_count,
                doc_count_error: 0,
                subs: subs.to_vec(),
            };
            let v = bucket_value(&sdef.subs, &bucket, path, spec.gap_policy)?;
            if v.is_nan() {
                return Ok(());
            }
            let k = key_as_string(&bucket.key, &format);
            match metric {
                BucketMetric::Max if v > best => {
                    best = v;
                    keys = vec![k];
                }
                BucketMetric::Min if v < best => {
                    best = v;
                    keys = vec![k];
                }
                BucketMetric::Max | BucketMetric::Min if v == best => keys.push(k),
                _ => {}
            }
            sum += v;
            count += 1;
            Ok(())
        })?;
    }
    Ok(match metric {
        BucketMetric::Max | BucketMetric::Min => InternalAgg::Value {
            value: if best.is_infinite() { f64::NAN } else { best },
            keys: Some(keys),
            format: spec.format.clone(),
        },
        BucketMetric::Avg => InternalAgg::Value {
            value: if count == 0 {
                f64::NAN
            } else {
                sum / count as f64
            },
            keys: None,
            format: spec.format.clone(),
        },
        BucketMetric::Sum => InternalAgg::Value {
            value: sum,
            keys: None,
            format: spec.format.clone(),
        },
    })
}
