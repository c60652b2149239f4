//! Aggregation results in Elasticsearch's JSON: each aggregation's `toXContent` (keys as
//! numbers or strings, `key_as_string` for dates, booleans and formatted numbers, histogram
//! keys as doubles and date histogram keys as epoch ms, range keys `"*-100.0"`, the `keyed`
//! forms, `null` for the value of an empty `min`/`max`/`avg`), `meta` first, and the
//! `typed_keys` names (`date_histogram#name`, `sterms#name`). Collecting aggregations come
//! first in a level, pipelines after them, as Elasticsearch lists its results.

use serde_json::{Map, Value, json};

use super::format::{DatePrinter, DecimalPattern, java_double};
use super::interval::time_zone;
use super::pipeline::stats_value;
use super::result::{Bucket, BucketKey, InternalAgg, KeyFormat, RangeBucket, Stats};
use super::{AggDef, AggKind, Aggregations};

fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

/// A number that Elasticsearch prints even when not finite (`"NaN"`, `"Infinity"`, as its
/// JSON generator quotes non-numeric numbers).
fn num_or_text(v: f64) -> Value {
    if v.is_finite() {
        num(v)
    } else {
        Value::String(java_double(v))
    }
}

/// A formatter for `key_as_string` and `value_as_string`.
enum Formatter {
    Date(DatePrinter),
    Decimal(DecimalPattern),
    Bool,
}

impl Formatter {
    fn of(format: &KeyFormat) -> Option<Formatter> {
        match format {
            KeyFormat::Raw => None,
            KeyFormat::Bool => Some(Formatter::Bool),
            KeyFormat::Date {
                format,
                time_zone: tz,
            } => {
                let tz = time_zone(tz.as_deref()).ok()?;
                DatePrinter::new(format.as_deref(), tz)
                    .ok()
                    .map(Formatter::Date)
            }
            KeyFormat::Decimal(p) => DecimalPattern::new(p).ok().map(Formatter::Decimal),
        }
    }

    fn format(&self, v: f64) -> String {
        match self {
            Formatter::Date(p) => p.format(v as i64),
            Formatter::Decimal(p) => p.format(v),
            Formatter::Bool => (v != 0.0).to_string(),
        }
    }

    fn format_key(&self, key: &BucketKey) -> Option<String> {
        match key {
            BucketKey::Long(v) => Some(match self {
                Formatter::Date(p) => p.format(*v),
                Formatter::Decimal(p) => p.format(*v as f64),
                Formatter::Bool => (*v != 0).to_string(),
            }),
            BucketKey::ULong(v) => Some(self.format(*v as f64)),
            BucketKey::Double(v) => Some(self.format(*v)),
            _ => None,
        }
    }
}

fn pipeline_formatter(format: &Option<String>) -> Option<Formatter> {
    format
        .as_ref()
        .and_then(|p| DecimalPattern::new(p).ok().map(Formatter::Decimal))
}

fn key_value(key: &BucketKey) -> Value {
    match key {
        BucketKey::Str(s) => Value::String(s.clone()),
        BucketKey::Long(v) => Value::from(*v),
        BucketKey::ULong(v) => Value::from(*v),
        BucketKey::Double(v) => num(*v),
        BucketKey::Multi(parts) => Value::Array(parts.iter().map(key_value).collect()),
        BucketKey::Null => Value::Null,
    }
}

/// The type name `typed_keys` prefixes (`InternalAggregation.getType`).
fn typed_name(def: &AggDef, result: &InternalAgg) -> &'static str {
    match (&def.kind, result) {
        (AggKind::Terms(_), InternalAgg::Terms(t)) => {
            match (t.buckets.first().map(|b| &b.key), t.formats.first()) {
                (Some(BucketKey::Double(_)), _) => "dterms",
                (Some(BucketKey::ULong(_)), _) => "ulterms",
                (Some(BucketKey::Long(_)), _) => "lterms",
                (None, Some(KeyFormat::Date { .. } | KeyFormat::Bool)) => "lterms",
                _ => "sterms",
            }
        }
        (AggKind::Percentiles(_), _) => "tdigest_percentiles",
        (AggKind::BucketMetric(m, _), _) => match m {
            super::BucketMetric::Max | super::BucketMetric::Min => "bucket_metric_value",
            _ => "simple_value",
        },
        (AggKind::CumulativeSum(_) | AggKind::BucketScript(..), _) => "simple_value",
        (kind, _) => kind.type_name(),
    }
}

/// The `aggregations` object of a level: `results` aligned with `defs`.
pub fn render(defs: &Aggregations, results: &[InternalAgg], typed_keys: bool) -> Value {
    let mut out = Map::new();
    render_into(&mut out, defs, results, typed_keys);
    Value::Object(out)
}

fn render_into(
    out: &mut Map<String, Value>,
    defs: &Aggregations,
    results: &[InternalAgg],
    typed: bool,
) {
    let order = defs
        .0
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.kind.is_pipeline())
        .chain(
            defs.0
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind.is_pipeline()),
        );
    for (i, def) in order {
        let Some(result) = results.get(i) else {
            continue;
        };
        if matches!(result, InternalAgg::Pending) {
            continue;
        }
        let name = if typed {
            format!("{}#{}", typed_name(def, result), def.name)
        } else {
            def.name.clone()
        };
        out.insert(name, render_one(def, result, typed));
    }
}

fn bucket_subs(out: &mut Map<String, Value>, def: &AggDef, subs: &[InternalAgg], typed: bool) {
    render_into(out, &def.subs, subs, typed);
}

fn render_one(def: &AggDef, result: &InternalAgg, typed: bool) -> Value {
    let mut o = Map::new();
    if let Some(meta) = &def.meta {
        o.insert("meta".into(), Value::Object(meta.clone()));
    }
    match result {
        InternalAgg::Terms(t) => {
            let multi = matches!(def.kind, AggKind::MultiTerms(_));
            let show_error = match &def.kind {
                AggKind::Terms(x) => x.show_term_doc_count_error,
                AggKind::MultiTerms(x) => x.show_term_doc_count_error,
                _ => false,
            };
            let formatters: Vec<Option<Formatter>> = t.formats.iter().map(Formatter::of).collect();
            o.insert(
                "doc_count_error_upper_bound".into(),
                Value::from(t.doc_count_error_upper_bound),
            );
            o.insert(
                "sum_other_doc_count".into(),
                Value::from(t.sum_other_doc_count),
            );
            let buckets = t
                .buckets
                .iter()
                .map(|b| {
                    let mut m = Map::new();
                    m.insert("key".into(), key_value(&b.key));
                    if multi {
                        if let BucketKey::Multi(parts) = &b.key {
                            let text: Vec<String> = parts
                                .iter()
                                .enumerate()
                                .map(|(i, p)| {
                                    formatters
                                        .get(i)
                                        .and_then(Option::as_ref)
                                        .and_then(|f| f.format_key(p))
                                        .unwrap_or_else(|| plain_key(p))
                                })
                                .collect();
                            m.insert("key_as_string".into(), Value::from(text.join("|")));
                        }
                    } else if let Some(s) = formatters
                        .first()
                        .and_then(Option::as_ref)
                        .and_then(|f| f.format_key(&b.key))
                    {
                        m.insert("key_as_string".into(), Value::from(s));
                    }
                    m.insert("doc_count".into(), Value::from(b.doc_count));
                    if show_error {
                        m.insert(
                            "doc_count_error_upper_bound".into(),
                            Value::from(b.doc_count_error),
                        );
                    }
                    bucket_subs(&mut m, def, &b.subs, typed);
                    Value::Object(m)
                })
                .collect();
            o.insert("buckets".into(), Value::Array(buckets));
        }
        InternalAgg::Histogram(h) => {
            let keyed = match &def.kind {
                AggKind::DateHistogram(d) => d.keyed,
                AggKind::Histogram(x) => x.keyed,
                _ => false,
            };
            let formatter = Formatter::of(&h.format);
            let render_bucket = |b: &Bucket| -> (String, Value) {
                let mut m = Map::new();
                let text = formatter.as_ref().and_then(|f| f.format_key(&b.key));
                if let Some(s) = &text {
                    m.insert("key_as_string".into(), Value::from(s.clone()));
                }
                m.insert("key".into(), key_value(&b.key));
                m.insert("doc_count".into(), Value::from(b.doc_count));
                bucket_subs(&mut m, def, &b.subs, typed);
                (text.unwrap_or_else(|| plain_key(&b.key)), Value::Object(m))
            };
            if keyed {
                let mut map = Map::new();
                for b in &h.buckets {
                    let (k, v) = render_bucket(b);
                    map.insert(k, v);
                }
                o.insert("buckets".into(), Value::Object(map));
            } else {
                o.insert(
                    "buckets".into(),
                    Value::Array(h.buckets.iter().map(|b| render_bucket(b).1).collect()),
                );
            }
        }
        InternalAgg::Range(r) => {
            let keyed = matches!(&def.kind, AggKind::Range(x) if x.keyed);
            let render_bucket = |b: &RangeBucket| -> Value {
                let mut m = Map::new();
                if !keyed {
                    m.insert("key".into(), Value::from(b.key.clone()));
                }
                if let Some(f) = b.from {
                    m.insert("from".into(), num(f));
                    if let Some(s) = &b.from_as_string {
                        m.insert("from_as_string".into(), Value::from(s.clone()));
                    }
                }
                if let Some(t) = b.to {
                    m.insert("to".into(), num(t));
                    if let Some(s) = &b.to_as_string {
                        m.insert("to_as_string".into(), Value::from(s.clone()));
                    }
                }
                m.insert("doc_count".into(), Value::from(b.doc_count));
                bucket_subs(&mut m, def, &b.subs, typed);
                Value::Object(m)
            };
            if keyed {
                let mut map = Map::new();
                for b in &r.buckets {
                    map.insert(b.key.clone(), render_bucket(b));
                }
                o.insert("buckets".into(), Value::Object(map));
            } else {
                o.insert(
                    "buckets".into(),
                    Value::Array(r.buckets.iter().map(render_bucket).collect()),
                );
            }
        }
        InternalAgg::Single { doc_count, subs } => {
            o.insert("doc_count".into(), Value::from(*doc_count));
            bucket_subs(&mut o, def, subs, typed);
        }
        InternalAgg::Filters(f) => {
            let (keyed, named) = match &def.kind {
                AggKind::Filters(x) => (x.keyed, x.named),
                _ => (false, false),
            };
            if keyed && named {
                let mut map = Map::new();
                for b in &f.buckets {
                    let mut m = Map::new();
                    m.insert("doc_count".into(), Value::from(b.doc_count));
                    bucket_subs(&mut m, def, &b.subs, typed);
                    map.insert(plain_key(&b.key), Value::Object(m));
                }
                o.insert("buckets".into(), Value::Object(map));
            } else {
                let list = f
                    .buckets
                    .iter()
                    .map(|b| {
                        let mut m = Map::new();
                        if let BucketKey::Str(k) = &b.key
                            && named
                        {
                            m.insert("key".into(), Value::from(k.clone()));
                        }
                        m.insert("doc_count".into(), Value::from(b.doc_count));
                        bucket_subs(&mut m, def, &b.subs, typed);
                        Value::Object(m)
                    })
                    .collect();
                o.insert("buckets".into(), Value::Array(list));
            }
        }
        InternalAgg::Composite(c) => {
            let names: Vec<String> = match &def.kind {
                AggKind::Composite(x) => x.sources.iter().map(|s| s.name.clone()).collect(),
                _ => Vec::new(),
            };
            let formatters: Vec<Option<Formatter>> = c.formats.iter().map(Formatter::of).collect();
            let key_object = |key: &BucketKey| -> Value {
                let mut m = Map::new();
                if let BucketKey::Multi(parts) = key {
                    for (i, (name, part)) in names.iter().zip(parts).enumerate() {
                        let v = match formatters.get(i).and_then(Option::as_ref) {
                            Some(Formatter::Date(p)) if matches!(part, BucketKey::Long(_)) => {
                                // A date source with an explicit format prints the date.
                                if let (
                                    BucketKey::Long(ms),
                                    Some(KeyFormat::Date {
                                        format: Some(_), ..
                                    }),
                                ) = (part, c.formats.get(i))
                                {
                                    Value::from(p.format(*ms))
                                } else {
                                    key_value(part)
                                }
                            }
                            _ => key_value(part),
                        };
                        m.insert(name.clone(), v);
                    }
                }
                Value::Object(m)
            };
            if let Some(last) = c.buckets.last() {
                o.insert("after_key".into(), key_object(&last.key));
            }
            let list = c
                .buckets
                .iter()
                .map(|b| {
                    let mut m = Map::new();
                    m.insert("key".into(), key_object(&b.key));
                    m.insert("doc_count".into(), Value::from(b.doc_count));
                    bucket_subs(&mut m, def, &b.subs, typed);
                    Value::Object(m)
                })
                .collect();
            o.insert("buckets".into(), Value::Array(list));
        }
        InternalAgg::Avg { sum, count, format } => {
            let v = if *count == 0 {
                f64::NAN
            } else {
                sum.value / *count as f64
            };
            single_value(&mut o, v, *count > 0, format);
        }
        InternalAgg::Sum { sum, format } => single_value(&mut o, sum.value, true, format),
        InternalAgg::Min { value, format } | InternalAgg::Max { value, format } => {
            single_value(&mut o, *value, value.is_finite(), format)
        }
        InternalAgg::ValueCount(n) => {
            o.insert("value".into(), Value::from(*n));
        }
        InternalAgg::Cardinality(c) => {
            o.insert("value".into(), Value::from(c.value()));
        }
        InternalAgg::Stats { stats, format } => {
            let extended = match &def.kind {
                AggKind::ExtendedStats(_, sigma) => Some(*sigma),
                _ => None,
            };
            render_stats(&mut o, stats, format, extended);
        }
        InternalAgg::Percentiles { digest, format } => {
            let (percents, keyed) = match &def.kind {
                AggKind::Percentiles(p) => (p.percents.clone(), p.keyed),
                _ => (Vec::new(), true),
            };
            let mut digest = digest.clone();
            let empty = digest.size() == 0;
            let formatter = Formatter::of(format);
            if keyed {
                let mut m = Map::new();
                for p in &percents {
                    let key = java_double(*p);
                    let v = digest.quantile(p / 100.0);
                    m.insert(
                        key.clone(),
                        if empty { Value::Null } else { num_or_text(v) },
                    );
                    if let (Some(f), false) = (&formatter, empty) {
                        m.insert(format!("{key}_as_string"), Value::from(f.format(v)));
                    }
                }
                o.insert("values".into(), Value::Object(m));
            } else {
                let list = percents
                    .iter()
                    .map(|p| {
                        let v = digest.quantile(p / 100.0);
                        let mut m = Map::new();
                        m.insert("key".into(), num(*p));
                        m.insert(
                            "value".into(),
                            if empty { Value::Null } else { num_or_text(v) },
                        );
                        if let (Some(f), false) = (&formatter, empty) {
                            m.insert("value_as_string".into(), Value::from(f.format(v)));
                        }
                        Value::Object(m)
                    })
                    .collect();
                o.insert("values".into(), Value::Array(list));
            }
        }
        InternalAgg::TopHits(t) => {
            let hits: Vec<Value> = t
                .hits
                .iter()
                .map(|h| {
                    let mut m = Map::new();
                    m.insert("_index".into(), Value::from(h.index.clone()));
                    m.insert("_id".into(), Value::from(h.id.clone()));
                    if let Some(v) = h.version {
                        m.insert("_version".into(), Value::from(v));
                    }
                    if let Some((s, p)) = h.seq_no_primary_term {
                        m.insert("_seq_no".into(), Value::from(s));
                        m.insert("_primary_term".into(), Value::from(p));
                    }
                    m.insert(
                        "_score".into(),
                        h.score.map_or(Value::Null, |s| num(f64::from(s))),
                    );
                    if let Some(src) = &h.source {
                        m.insert("_source".into(), src.clone());
                    }
                    if let Some(sort) = &h.sort {
                        m.insert("sort".into(), Value::Array(sort.clone()));
                    }
                    Value::Object(m)
                })
                .collect();
            o.insert(
                "hits".into(),
                json!({
                    "total": {"value": t.total, "relation": "eq"},
                    "max_score": t.max_score.map_or(Value::Null, |s| num(f64::from(s))),
                    "hits": hits,
                }),
            );
        }
        InternalAgg::TopMetrics(rows) => {
            let names: Vec<String> = match &def.kind {
                AggKind::TopMetrics(t) => t.metrics.clone(),
                _ => Vec::new(),
            };
            let top: Vec<Value> = rows
                .iter()
                .map(|r| {
                    let mut metrics = Map::new();
                    for (n, v) in names.iter().zip(&r.metrics) {
                        metrics.insert(n.clone(), v.clone());
                    }
                    json!({"sort": [r.sort.clone()], "metrics": metrics})
                })
                .collect();
            o.insert("top".into(), Value::Array(top));
        }
        InternalAgg::Value {
            value,
            keys,
            format,
        } => {
            let has = value.is_finite();
            o.insert("value".into(), if has { num(*value) } else { Value::Null });
            if let (true, Some(f)) = (has, pipeline_formatter(format)) {
                o.insert("value_as_string".into(), Value::from(f.format(*value)));
            }
            if let Some(keys) = keys {
                o.insert(
                    "keys".into(),
                    Value::Array(keys.iter().cloned().map(Value::from).collect()),
                );
            }
        }
        InternalAgg::Derivative {
            value,
            normalized,
            format,
        } => {
            let has = value.is_finite();
            let formatter = pipeline_formatter(format);
            o.insert("value".into(), if has { num(*value) } else { Value::Null });
            if let (true, Some(f)) = (has, &formatter) {
                o.insert("value_as_string".into(), Value::from(f.format(*value)));
            }
            if let Some(n) = normalized {
                o.insert(
                    "normalized_value".into(),
                    if has { num(*n) } else { Value::Null },
                );
                if let (true, Some(f)) = (has, &formatter) {
                    o.insert(
                        "normalized_value_as_string".into(),
                        Value::from(f.format(*n)),
                    );
                }
            }
        }
        InternalAgg::Pending => {}
    }
    Value::Object(o)
}

/// A key as `getKeyAsString` spells it without a format.
fn plain_key(key: &BucketKey) -> String {
    match key {
        BucketKey::Str(s) => s.clone(),
        BucketKey::Long(v) => v.to_string(),
        BucketKey::ULong(v) => v.to_string(),
        BucketKey::Double(v) => java_double(*v),
        BucketKey::Multi(parts) => parts.iter().map(plain_key).collect::<Vec<_>>().join("|"),
        BucketKey::Null => "null".into(),
    }
}

fn single_value(o: &mut Map<String, Value>, v: f64, has: bool, format: &KeyFormat) {
    let has = has && v.is_finite();
    o.insert("value".into(), if has { num(v) } else { Value::Null });
    if let (true, Some(f)) = (has, Formatter::of(format)) {
        o.insert("value_as_string".into(), Value::from(f.format(v)));
    }
}

fn render_stats(o: &mut Map<String, Value>, s: &Stats, format: &KeyFormat, extended: Option<f64>) {
    let formatter = Formatter::of(format);
    o.insert("count".into(), Value::from(s.count));
    let get = |name: &str| stats_value(s, name, extended.unwrap_or(2.0)).unwrap_or(f64::NAN);
    if s.count != 0 {
        for name in ["min", "max", "avg", "sum"] {
            o.insert(name.into(), num_or_text(get(name)));
        }
    } else {
        for name in ["min", "max", "avg"] {
            o.insert(name.into(), Value::Null);
        }
        o.insert("sum".into(), num(0.0));
    }
    if extended.is_some() {
        let fields = [
            "sum_of_squares",
            "variance",
            "variance_population",
            "variance_sampling",
            "std_deviation",
            "std_deviation_population",
            "std_deviation_sampling",
        ];
        for name in fields {
            o.insert(
                name.into(),
                if s.count == 0 {
                    Value::Null
                } else {
                    num_or_text(get(name))
                },
            );
        }
        let mut bounds = Map::new();
        for (key, name) in [
            ("upper", "std_upper"),
            ("lower", "std_lower"),
            ("upper_population", "std_upper_population"),
            ("lower_population", "std_lower_population"),
            ("upper_sampling", "std_upper_sampling"),
            ("lower_sampling", "std_lower_sampling"),
        ] {
            bounds.insert(
                key.into(),
                if s.count == 0 {
                    Value::Null
                } else {
                    num_or_text(get(name))
                },
            );
        }
        o.insert("std_deviation_bounds".into(), Value::Object(bounds));
    }
    if let (Some(f), true) = (formatter, s.count != 0) {
        for name in ["min", "max", "avg", "sum"] {
            o.insert(
                format!("{name}_as_string"),
                Value::from(f.format(get(name))),
            );
        }
        if extended.is_some() {
            for name in [
                "sum_of_squares",
                "variance",
                "variance_population",
                "variance_sampling",
                "std_deviation",
                "std_deviation_population",
                "std_deviation_sampling",
            ] {
                o.insert(
                    format!("{name}_as_string"),
                    Value::from(f.format(get(name))),
                );
            }
        }
    }
}
