//! Aggregation results as shards produce them and as the coordinating node reduces them
//! (`InternalAggregation.reduce`): terms merged by key with Elasticsearch's error bounds
//! (`doc_count_error_upper_bound`, `sum_other_doc_count`), histograms merged and, with
//! `min_doc_count: 0`, filled with empty buckets between the bounds, ranges and filters
//! merged by position, composite keys merged and cut at `size`, metrics combined (sums
//! with Kahan's compensation as `CompensatedSum` does), top hits merged by their sort.
//!
//! The reduction of one index's results is final too (the coordinating node always reduces),
//! which is where `size`, `min_doc_count` and the empty buckets apply.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::Value;

use crate::StoreError;

use super::hll::Cardinality;
use super::interval::{DateRounding, time_zone};
use super::tdigest::Digest;
use super::{AggDef, AggKind, Aggregations, BucketOrder, MAX_BUCKETS};

/// A compensated (Kahan) sum, as Elasticsearch's `CompensatedSum`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Kahan {
    /// The sum.
    pub value: f64,
    delta: f64,
}

impl Kahan {
    /// Adds `v`.
    #[inline]
    pub fn add(&mut self, v: f64) {
        if !v.is_finite() {
            self.value += v;
        }
        if self.value.is_finite() {
            let corrected = v + self.delta;
            let updated = self.value + corrected;
            self.delta = corrected - (updated - self.value);
            self.value = updated;
        }
    }
}

/// A bucket key.
#[derive(Debug, Clone, PartialEq)]
pub enum BucketKey {
    /// Keywords, IPs, filter names, range keys.
    Str(String),
    /// Longs, dates (epoch ms), booleans (0 or 1).
    Long(i64),
    /// `unsigned_long`.
    ULong(u64),
    /// Doubles and histogram keys.
    Double(f64),
    /// `multi_terms` and `composite` keys, one part per source.
    Multi(Vec<BucketKey>),
    /// No key (anonymous filters, composite `missing_bucket`).
    Null,
}

impl BucketKey {
    /// The key as a number (`_key` in paths), when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            BucketKey::Long(v) => Some(*v as f64),
            BucketKey::ULong(v) => Some(*v as f64),
            BucketKey::Double(v) => Some(*v),
            _ => None,
        }
    }

    /// Elasticsearch's key order: numbers by value, strings by their UTF-8 bytes (as
    /// `BytesRef` compares), `null` first.
    pub fn key_cmp(&self, other: &BucketKey) -> Ordering {
        use BucketKey::*;
        match (self, other) {
            (Str(a), Str(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Long(a), Long(b)) => a.cmp(b),
            (ULong(a), ULong(b)) => a.cmp(b),
            (Long(a), ULong(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (ULong(a), Long(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (Multi(a), Multi(b)) => {
                for (x, y) in a.iter().zip(b) {
                    let o = x.key_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Null, Null) => Ordering::Equal,
            (Null, _) => Ordering::Less,
            (_, Null) => Ordering::Greater,
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        }
    }

    /// A hashable identity.
    fn id(&self) -> KeyId {
        match self {
            BucketKey::Str(s) => KeyId::Str(s.clone()),
            BucketKey::Long(v) => KeyId::Long(*v),
            BucketKey::ULong(v) => KeyId::ULong(*v),
            BucketKey::Double(v) => KeyId::Double(v.to_bits()),
            BucketKey::Multi(parts) => KeyId::Multi(parts.iter().map(BucketKey::id).collect()),
            BucketKey::Null => KeyId::Null,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum KeyId {
    Str(String),
    Long(i64),
    ULong(u64),
    Double(u64),
    Multi(Vec<KeyId>),
    Null,
}

/// How keys and values are spelled beside their raw form (`key_as_string`,
/// `value_as_string`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum KeyFormat {
    /// No string form.
    #[default]
    Raw,
    /// Dates in a format (the field's unless given) and time zone.
    Date {
        /// The format.
        format: Option<String>,
        /// The time zone.
        time_zone: Option<String>,
    },
    /// Booleans: `true`/`false`.
    Bool,
    /// A `DecimalFormat` pattern.
    Decimal(String),
}

/// A bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Its key.
    pub key: BucketKey,
    /// Documents in it.
    pub doc_count: u64,
    /// Its `doc_count_error_upper_bound` (terms).
    pub doc_count_error: i64,
    /// Sub-aggregation results, one per sub-definition.
    pub subs: Vec<InternalAgg>,
}

/// `terms` and `multi_terms` results.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsResult {
    /// Buckets, in the aggregation's order.
    pub buckets: Vec<Bucket>,
    /// Documents in buckets not returned.
    pub sum_other_doc_count: u64,
    /// The error bound of the counts (`-1`: unbounded).
    pub doc_count_error_upper_bound: i64,
    /// How each key part is spelled (one for `terms`).
    pub formats: Vec<KeyFormat>,
    /// The size a shard cut its list at.
    pub shard_size: usize,
}

/// `histogram` and `date_histogram` results.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramResult {
    /// Buckets by key.
    pub buckets: Vec<Bucket>,
    /// How keys are spelled.
    pub format: KeyFormat,
    /// `extended_bounds` resolved to numbers (epoch ms for dates).
    pub extended_bounds: Option<(f64, f64)>,
    /// `hard_bounds` resolved.
    pub hard_bounds: (Option<f64>, Option<f64>),
}

/// One bucket of a `range`/`date_range`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeBucket {
    /// Its key.
    pub key: String,
    /// `from`.
    pub from: Option<f64>,
    /// `to`.
    pub to: Option<f64>,
    /// `from_as_string`.
    pub from_as_string: Option<String>,
    /// `to_as_string`.
    pub to_as_string: Option<String>,
    /// Documents in it.
    pub doc_count: u64,
    /// Sub-aggregation results.
    pub subs: Vec<InternalAgg>,
}

/// `range`/`date_range` results.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeResult {
    /// Buckets, sorted by `from` then `to`.
    pub buckets: Vec<RangeBucket>,
}

/// `filters` results (a named filter's key is `Str`, an anonymous one's `Null`).
#[derive(Debug, Clone, PartialEq)]
pub struct FiltersResult {
    /// Buckets, `_other_` last.
    pub buckets: Vec<Bucket>,
}

/// `composite` results.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeResult {
    /// Buckets in key order (keys are `Multi`).
    pub buckets: Vec<Bucket>,
    /// How each source's key is spelled.
    pub formats: Vec<KeyFormat>,
}

/// Count, sum, min, max and the sum of squares of a field's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// Values counted.
    pub count: u64,
    /// Their sum.
    pub sum: Kahan,
    /// Smallest (+inf when none).
    pub min: f64,
    /// Largest (-inf when none).
    pub max: f64,
    /// Sum of squares.
    pub sum_of_squares: Kahan,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            count: 0,
            sum: Kahan::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum_of_squares: Kahan::default(),
        }
    }
}

impl Stats {
    /// Adds a value to the count and sum only (`avg`, `sum`).
    #[inline]
    pub fn add_sum(&mut self, v: f64) {
        self.count += 1;
        self.sum.add(v);
    }

    /// Adds a value to the count, min and max only (`min`, `max`).
    #[inline]
    pub fn add_min_max(&mut self, v: f64) {
        self.count += 1;
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds a value.
    #[inline]
    pub fn add(&mut self, v: f64) {
        self.count += 1;
        self.sum.add(v);
        self.sum_of_squares.add(v * v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    fn merge(&mut self, o: &Stats) {
        self.count += o.count;
        self.sum.add(o.sum.value);
        self.sum_of_squares.add(o.sum_of_squares.value);
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }
}

/// A sort value of a hit, comparable across shards.
#[derive(Debug, Clone, PartialEq)]
pub enum SortKey {
    /// No value.
    Missing,
    /// An integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A double.
    F64(f64),
    /// A string.
    Str(String),
}

fn cmp_sort_key(a: &SortKey, b: &SortKey) -> Ordering {
    use SortKey::*;
    match (a, b) {
        (I64(x), I64(y)) => x.cmp(y),
        (U64(x), U64(y)) => x.cmp(y),
        (Str(x), Str(y)) => x.cmp(y),
        (x, y) => key_f64(x).total_cmp(&key_f64(y)),
    }
}

fn key_f64(k: &SortKey) -> f64 {
    match k {
        SortKey::I64(v) => *v as f64,
        SortKey::U64(v) => *v as f64,
        SortKey::F64(v) => *v,
        _ => f64::NAN,
    }
}

/// Compares two hits' sort keys: `slots` gives each criterion's `(descending,
/// missing_first)`; ties go to the earlier shard, then document.
pub(crate) fn compare_sort(slots: &[(bool, bool)], a: &[SortKey], b: &[SortKey]) -> Ordering {
    for (i, (desc, missing_first)) in slots.iter().enumerate() {
        let (x, y) = (a.get(i), b.get(i));
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            _ => continue,
        };
        let o = match (x == &SortKey::Missing, y == &SortKey::Missing) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if *missing_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if *missing_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = cmp_sort_key(x, y);
                if *desc { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// One hit of a `top_hits`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopHit {
    /// Comparable sort keys (the score when sorting by score).
    pub keys: Vec<SortKey>,
    /// `sort` as rendered (absent when sorting by score).
    pub sort: Option<Vec<Value>>,
    /// `_score` (`None` when sorting by fields without `track_scores`).
    pub score: Option<f32>,
    /// Which index (position in the search) and where in it, for ties.
    pub position: (usize, u32, u32),
    /// `_index`.
    pub index: String,
    /// `_id`.
    pub id: String,
    /// `_source`.
    pub source: Option<Value>,
    /// `_version`.
    pub version: Option<u64>,
    /// `_seq_no` and `_primary_term`.
    pub seq_no_primary_term: Option<(u64, u64)>,
}

/// `top_hits` results.
#[derive(Debug, Clone, PartialEq)]
pub struct TopHitsResult {
    /// Documents in the bucket.
    pub total: u64,
    /// The best score.
    pub max_score: Option<f32>,
    /// The best `from + size` hits (after reduction: the page).
    pub hits: Vec<TopHit>,
    /// Whether `from` was already skipped.
    pub paged: bool,
}

/// One row of `top_metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopMetricsRow {
    /// The sort key.
    pub key: SortKey,
    /// The sort value as rendered.
    pub sort: Value,
    /// One value per metric (`null` when the document has none).
    pub metrics: Vec<Value>,
    /// Where the document is, for ties.
    pub position: (usize, u32, u32),
}

/// One aggregation's result.
#[derive(Debug, Clone, PartialEq)]
pub enum InternalAgg {
    /// `terms`, `multi_terms`.
    Terms(TermsResult),
    /// `histogram`, `date_histogram`.
    Histogram(HistogramResult),
    /// `range`, `date_range`.
    Range(RangeResult),
    /// `filter`, `missing`.
    Single {
        /// Documents in the bucket.
        doc_count: u64,
        /// Sub-aggregation results.
        subs: Vec<InternalAgg>,
    },
    /// `filters`.
    Filters(FiltersResult),
    /// `composite`.
    Composite(CompositeResult),
    /// `avg`.
    Avg {
        /// The sum.
        sum: Kahan,
        /// Values counted.
        count: u64,
        /// `value_as_string`.
        format: KeyFormat,
    },
    /// `sum`.
    Sum {
        /// The sum.
        sum: Kahan,
        /// `value_as_string`.
        format: KeyFormat,
    },
    /// `min` (+inf when empty).
    Min {
        /// The value.
        value: f64,
        /// `value_as_string`.
        format: KeyFormat,
    },
    /// `max` (-inf when empty).
    Max {
        /// The value.
        value: f64,
        /// `value_as_string`.
        format: KeyFormat,
    },
    /// `value_count`.
    ValueCount(u64),
    /// `stats` and `extended_stats`.
    Stats {
        /// The figures.
        stats: Stats,
        /// `*_as_string`.
        format: KeyFormat,
    },
    /// `cardinality`.
    Cardinality(Cardinality),
    /// `percentiles`.
    Percentiles {
        /// The sketch.
        digest: Digest,
        /// `*_as_string`.
        format: KeyFormat,
    },
    /// `top_hits`.
    TopHits(TopHitsResult),
    /// `top_metrics`.
    TopMetrics(Vec<TopMetricsRow>),
    /// A pipeline's single value (`cumulative_sum`, `bucket_script`, `avg_bucket`, ...):
    /// NaN renders as `null`; `keys` for `max_bucket`/`min_bucket`.
    Value {
        /// The value.
        value: f64,
        /// The keys of the buckets holding it.
        keys: Option<Vec<String>>,
        /// `format`.
        format: Option<String>,
    },
    /// `derivative`: the value and, with `unit`, the normalised value.
    Derivative {
        /// The difference from the previous bucket.
        value: f64,
        /// Per `unit`.
        normalized: Option<f64>,
        /// `format`.
        format: Option<String>,
    },
    /// A pipeline not computed (yet), or a parent pipeline's first bucket: not rendered.
    Pending,
}

/// The result of `def` over no documents.
pub fn empty_result(def: &AggDef) -> InternalAgg {
    let subs = || empty_results(&def.subs);
    match &def.kind {
        AggKind::Terms(t) => InternalAgg::Terms(TermsResult {
            buckets: Vec::new(),
            sum_other_doc_count: 0,
            doc_count_error_upper_bound: 0,
            formats: vec![KeyFormat::Raw],
            shard_size: t.effective_shard_size(),
        }),
        AggKind::MultiTerms(t) => InternalAgg::Terms(TermsResult {
            buckets: Vec::new(),
            sum_other_doc_count: 0,
            doc_count_error_upper_bound: 0,
            formats: vec![KeyFormat::Raw; t.terms.len()],
            shard_size: t.shard_size.unwrap_or(t.size),
        }),
        AggKind::DateHistogram(_) | AggKind::Histogram(_) => {
            InternalAgg::Histogram(HistogramResult {
                buckets: Vec::new(),
                format: KeyFormat::Raw,
                extended_bounds: None,
                hard_bounds: (None, None),
            })
        }
        AggKind::Range(_) => InternalAgg::Range(RangeResult {
            buckets: Vec::new(),
        }),
        AggKind::Filter(_) | AggKind::Missing(_) => InternalAgg::Single {
            doc_count: 0,
            subs: subs(),
        },
        AggKind::Filters(f) => InternalAgg::Filters(FiltersResult {
            buckets: f
                .filters
                .iter()
                .map(|(name, _)| name.clone())
                .chain(f.other_bucket.then(|| Some(f.other_bucket_key.clone())))
                .map(|name| Bucket {
                    key: name.map_or(BucketKey::Null, BucketKey::Str),
                    doc_count: 0,
                    doc_count_error: 0,
                    subs: subs(),
                })
                .collect(),
        }),
        AggKind::Composite(c) => InternalAgg::Composite(CompositeResult {
            buckets: Vec::new(),
            formats: vec![KeyFormat::Raw; c.sources.len()],
        }),
        AggKind::Avg(_) => InternalAgg::Avg {
            sum: Kahan::default(),
            count: 0,
            format: KeyFormat::Raw,
        },
        AggKind::Sum(_) => InternalAgg::Sum {
            sum: Kahan::default(),
            format: KeyFormat::Raw,
        },
        AggKind::Min(_) => InternalAgg::Min {
            value: f64::INFINITY,
            format: KeyFormat::Raw,
        },
        AggKind::Max(_) => InternalAgg::Max {
            value: f64::NEG_INFINITY,
            format: KeyFormat::Raw,
        },
        AggKind::ValueCount(_) => InternalAgg::ValueCount(0),
        AggKind::Stats(_) | AggKind::ExtendedStats(..) => InternalAgg::Stats {
            stats: Stats::default(),
            format: KeyFormat::Raw,
        },
        AggKind::Cardinality(_, t) => InternalAgg::Cardinality(Cardinality::new(*t)),
        AggKind::Percentiles(p) => InternalAgg::Percentiles {
            digest: Digest::new(p.compression),
            format: KeyFormat::Raw,
        },
        AggKind::TopHits(_) => InternalAgg::TopHits(TopHitsResult {
            total: 0,
            max_score: None,
            hits: Vec::new(),
            paged: false,
        }),
        AggKind::TopMetrics(_) => InternalAgg::TopMetrics(Vec::new()),
        _ => InternalAgg::Pending,
    }
}

/// Empty results for every definition of a level.
pub(crate) fn empty_results(defs: &Aggregations) -> Vec<InternalAgg> {
    defs.0.iter().map(empty_result).collect()
}

/// How many buckets a result tree holds (`search.max_buckets` counts them).
pub fn count_buckets(results: &[InternalAgg]) -> u64 {
    let mut n = 0u64;
    for r in results {
        n = n.saturating_add(match r {
            InternalAgg::Terms(t) => t.buckets.iter().map(|b| 1 + count_buckets(&b.subs)).sum(),
            InternalAgg::Histogram(h) => h.buckets.iter().map(|b| 1 + count_buckets(&b.subs)).sum(),
            InternalAgg::Filters(f) => f.buckets.iter().map(|b| 1 + count_buckets(&b.subs)).sum(),
            InternalAgg::Composite(c) => c.buckets.iter().map(|b| 1 + count_buckets(&b.subs)).sum(),
            InternalAgg::Range(r) => r.buckets.iter().map(|b| 1 + count_buckets(&b.subs)).sum(),
            InternalAgg::Single { subs, .. } => count_buckets(subs),
            _ => 0,
        });
    }
    n
}

/// Reduces the results of several indices (one list per index, each aligned with `defs`)
/// into the final results, as the coordinating node's final reduction does.
pub fn reduce(
    defs: &Aggregations,
    parts: Vec<Vec<InternalAgg>>,
) -> Result<Vec<InternalAgg>, StoreError> {
    let mut columns: Vec<Vec<InternalAgg>> = defs.0.iter().map(|_| Vec::new()).collect();
    for part in parts {
        for (i, r) in part.into_iter().enumerate() {
            if let Some(col) = columns.get_mut(i) {
                col.push(r);
            }
        }
    }
    defs.0
        .iter()
        .zip(columns)
        .map(|(def, col)| {
            if col.is_empty() {
                Ok(empty_result(def))
            } else {
                reduce_one(def, col)
            }
        })
        .collect()
}

fn reduce_subs(
    defs: &Aggregations,
    parts: Vec<Vec<InternalAgg>>,
) -> Result<Vec<InternalAgg>, StoreError> {
    if parts.len() == 1 {
        // One part: still final (terms cut at size, histograms filled).
        return reduce(defs, parts);
    }
    reduce(defs, parts)
}

fn reduce_one(def: &AggDef, parts: Vec<InternalAgg>) -> Result<InternalAgg, StoreError> {
    match &def.kind {
        AggKind::Terms(t) => reduce_terms(
            def,
            parts,
            t.size,
            t.min_doc_count,
            &t.order,
            t.show_term_doc_count_error,
        ),
        AggKind::MultiTerms(t) => reduce_terms(
            def,
            parts,
            t.size,
            t.min_doc_count,
            &t.order,
            t.show_term_doc_count_error,
        ),
        AggKind::Histogram(h) => reduce_histogram(def, parts, h.min_doc_count, &h.order, None),
        AggKind::DateHistogram(d) => {
            let rounding = DateRounding::new(
                d.interval.clone(),
                time_zone(d.time_zone.as_deref())?,
                d.offset,
            )?;
            reduce_histogram(def, parts, d.min_doc_count, &d.order, Some(rounding))
        }
        AggKind::Range(_) => {
            let mut iter = parts.into_iter();
            let Some(InternalAgg::Range(mut first)) = iter.next() else {
                return Ok(empty_result(def));
            };
            let mut subs: Vec<Vec<Vec<InternalAgg>>> = first
                .buckets
                .iter_mut()
                .map(|b| vec![std::mem::take(&mut b.subs)])
                .collect();
            for part in iter {
                if let InternalAgg::Range(r) = part {
                    for (i, b) in r.buckets.into_iter().enumerate() {
                        if let Some(mine) = first.buckets.get_mut(i) {
                            mine.doc_count += b.doc_count;
                            subs[i].push(b.subs);
                        }
                    }
                }
            }
            for (b, s) in first.buckets.iter_mut().zip(subs) {
                b.subs = reduce_subs(&def.subs, s)?;
            }
            Ok(InternalAgg::Range(first))
        }
        AggKind::Filter(_) | AggKind::Missing(_) => {
            let mut count = 0;
            let mut subs = Vec::new();
            for p in parts {
                if let InternalAgg::Single { doc_count, subs: s } = p {
                    count += doc_count;
                    subs.push(s);
                }
            }
            Ok(InternalAgg::Single {
                doc_count: count,
                subs: reduce_subs(&def.subs, subs)?,
            })
        }
        AggKind::Filters(_) => {
            let mut iter = parts.into_iter();
            let Some(InternalAgg::Filters(mut first)) = iter.next() else {
                return Ok(empty_result(def));
            };
            let mut subs: Vec<Vec<Vec<InternalAgg>>> = first
                .buckets
                .iter_mut()
                .map(|b| vec![std::mem::take(&mut b.subs)])
                .collect();
            for part in iter {
                if let InternalAgg::Filters(f) = part {
                    for (i, b) in f.buckets.into_iter().enumerate() {
                        if let Some(mine) = first.buckets.get_mut(i) {
                            mine.doc_count += b.doc_count;
                            subs[i].push(b.subs);
                        }
                    }
                }
            }
            for (b, s) in first.buckets.iter_mut().zip(subs) {
                b.subs = reduce_subs(&def.subs, s)?;
            }
            Ok(InternalAgg::Filters(first))
        }
        AggKind::Composite(c) => {
            let mut formats = Vec::new();
            let mut buckets = Vec::new();
            let count = parts.len();
            for p in parts {
                if let InternalAgg::Composite(r) = p {
                    if formats.is_empty() {
                        formats = r.formats;
                    }
                    buckets.extend(r.buckets);
                }
            }
            let orders: Vec<bool> = c.sources.iter().map(|s| s.asc).collect();
            let mut merged = merge_buckets(&def.subs, buckets, count)?;
            merged.sort_by(|a, b| composite_cmp(&orders, &a.key, &b.key));
            merged.truncate(c.size);
            Ok(InternalAgg::Composite(CompositeResult {
                buckets: merged,
                formats,
            }))
        }
        AggKind::Avg(_) => {
            let (mut total, mut n, mut fmt) = (Kahan::default(), 0, KeyFormat::Raw);
            for p in parts {
                if let InternalAgg::Avg { sum, count, format } = p {
                    total.add(sum.value);
                    n += count;
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Avg {
                sum: total,
                count: n,
                format: fmt,
            })
        }
        AggKind::Sum(_) => {
            let (mut total, mut fmt) = (Kahan::default(), KeyFormat::Raw);
            for p in parts {
                if let InternalAgg::Sum { sum, format } = p {
                    total.add(sum.value);
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Sum {
                sum: total,
                format: fmt,
            })
        }
        AggKind::Min(_) => {
            let (mut v, mut fmt) = (f64::INFINITY, KeyFormat::Raw);
            for p in parts {
                if let InternalAgg::Min { value, format } = p {
                    v = v.min(value);
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Min {
                value: v,
                format: fmt,
            })
        }
        AggKind::Max(_) => {
            let (mut v, mut fmt) = (f64::NEG_INFINITY, KeyFormat::Raw);
            for p in parts {
                if let InternalAgg::Max { value, format } = p {
                    v = v.max(value);
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Max {
                value: v,
                format: fmt,
            })
        }
        AggKind::ValueCount(_) => Ok(InternalAgg::ValueCount(
            parts
                .iter()
                .map(|p| match p {
                    InternalAgg::ValueCount(n) => *n,
                    _ => 0,
                })
                .sum(),
        )),
        AggKind::Stats(_) | AggKind::ExtendedStats(..) => {
            let (mut all, mut fmt) = (Stats::default(), KeyFormat::Raw);
            for p in parts {
                if let InternalAgg::Stats { stats, format } = p {
                    all.merge(&stats);
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Stats {
                stats: all,
                format: fmt,
            })
        }
        AggKind::Cardinality(_, threshold) => {
            let mut all = Cardinality::new(*threshold);
            for p in parts {
                if let InternalAgg::Cardinality(c) = p {
                    all.merge(&c);
                }
            }
            Ok(InternalAgg::Cardinality(all))
        }
        AggKind::Percentiles(p) => {
            let (mut all, mut fmt) = (Digest::new(p.compression), KeyFormat::Raw);
            for part in parts {
                if let InternalAgg::Percentiles { digest, format } = part {
                    all.merge(&digest);
                    if format != KeyFormat::Raw {
                        fmt = format;
                    }
                }
            }
            Ok(InternalAgg::Percentiles {
                digest: all,
                format: fmt,
            })
        }
        AggKind::TopHits(t) => {
            let slots = top_hits_slots(&t.sort);
            let (mut total, mut max_score, mut hits) = (0u64, None::<f32>, Vec::new());
            for p in parts {
                if let InternalAgg::TopHits(r) = p {
                    total += r.total;
                    max_score = match (max_score, r.max_score) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    hits.extend(r.hits);
                }
            }
            hits.sort_by(|a, b| {
                compare_sort(&slots, &a.keys, &b.keys).then(a.position.cmp(&b.position))
            });
            let hits: Vec<TopHit> = hits.into_iter().skip(t.from).take(t.size).collect();
            Ok(InternalAgg::TopHits(TopHitsResult {
                total,
                max_score,
                hits,
                paged: true,
            }))
        }
        AggKind::TopMetrics(t) => {
            let slot = [(
                t.sort.order == crate::query::SortOrder::Desc,
                t.sort.missing == crate::query::Missing::First,
            )];
            let mut rows = Vec::new();
            for p in parts {
                if let InternalAgg::TopMetrics(r) = p {
                    rows.extend(r);
                }
            }
            rows.sort_by(|a, b| {
                compare_sort(
                    &slot,
                    std::slice::from_ref(&a.key),
                    std::slice::from_ref(&b.key),
                )
                .then(a.position.cmp(&b.position))
            });
            rows.truncate(t.size);
            Ok(InternalAgg::TopMetrics(rows))
        }
        _ => Ok(InternalAgg::Pending),
    }
}

/// `(descending, missing_first)` of each `top_hits` sort criterion (by score descending when
/// none).
pub(crate) fn top_hits_slots(sort: &[crate::query::SortSpec]) -> Vec<(bool, bool)> {
    if sort.is_empty() {
        return vec![(true, false)];
    }
    sort.iter()
        .map(|s| {
            let desc = s.order == crate::query::SortOrder::Desc;
            let first = match s.missing {
                crate::query::Missing::First => true,
                crate::query::Missing::Last | crate::query::Missing::Value(_) => false,
            };
            (desc, first)
        })
        .collect()
}

fn composite_cmp(orders: &[bool], a: &BucketKey, b: &BucketKey) -> Ordering {
    match (a, b) {
        (BucketKey::Multi(x), BucketKey::Multi(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let o = p.key_cmp(q);
                let o = if orders.get(i).copied().unwrap_or(true) {
                    o
                } else {
                    o.reverse()
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        }
        _ => a.key_cmp(b),
    }
}

/// Merges buckets with the same key: counts add up, sub-results are reduced. The buckets
/// of one part (one index) have distinct keys already: they are reduced without the
/// hashing.
fn merge_buckets(
    subs: &Aggregations,
    buckets: Vec<Bucket>,
    parts: usize,
) -> Result<Vec<Bucket>, StoreError> {
    if parts <= 1 {
        return buckets
            .into_iter()
            .map(|mut b| {
                let s = std::mem::take(&mut b.subs);
                b.subs = reduce_subs(subs, vec![s])?;
                Ok(b)
            })
            .collect();
    }
    let mut index: HashMap<KeyId, usize> = HashMap::new();
    let mut merged: Vec<(Bucket, Vec<Vec<InternalAgg>>)> = Vec::new();
    for mut b in buckets {
        let id = b.key.id();
        let s = std::mem::take(&mut b.subs);
        match index.get(&id) {
            Some(&i) => {
                merged[i].0.doc_count += b.doc_count;
                merged[i].0.doc_count_error += b.doc_count_error;
                merged[i].1.push(s);
            }
            None => {
                index.insert(id, merged.len());
                merged.push((b, vec![s]));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut b, s)| {
            b.subs = reduce_subs(subs, s)?;
            Ok(b)
        })
        .collect()
}

/// Whether an order is by key only (the error bound of such terms is 0).
fn is_key_order(order: &[BucketOrder]) -> bool {
    matches!(order.first(), Some(BucketOrder::Key { .. }))
}

fn is_count_desc(order: &[BucketOrder]) -> bool {
    matches!(
        order.first(),
        None | Some(BucketOrder::Count { asc: false })
    )
}

/// Sorts buckets by `order`, breaking ties by key ascending.
pub(crate) fn sort_buckets(
    subs: &Aggregations,
    order: &[BucketOrder],
    buckets: &mut [Bucket],
) -> Result<(), StoreError> {
    // Resolve path values once per bucket.
    let mut values: Vec<Vec<f64>> = Vec::with_capacity(buckets.len());
    for b in buckets.iter() {
        let mut row = Vec::new();
        for o in order {
            if let BucketOrder::Path { path, .. } = o {
                row.push(order_value(subs, b, path)?);
            }
        }
        values.push(row);
    }
    let mut idx: Vec<usize> = (0..buckets.len()).collect();
    idx.sort_by(|&x, &y| {
        let (a, b) = (&buckets[x], &buckets[y]);
        let mut path_i = 0;
        for o in order {
            let c = match o {
                BucketOrder::Count { asc } => {
                    let c = a.doc_count.cmp(&b.doc_count);
                    if *asc { c } else { c.reverse() }
                }
                BucketOrder::Key { asc } => {
                    let c = a.key.key_cmp(&b.key);
                    if *asc { c } else { c.reverse() }
                }
                BucketOrder::Path { asc, .. } => {
                    let (va, vb) = (values[x][path_i], values[y][path_i]);
                    path_i += 1;
                    // Java's Double.compare: NaN above everything.
                    let c = va.total_cmp(&vb);
                    let c = match (va.is_nan(), vb.is_nan()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => Ordering::Greater,
                        (false, true) => Ordering::Less,
                        _ => c,
                    };
                    if *asc { c } else { c.reverse() }
                }
            };
            if c != Ordering::Equal {
                return c;
            }
        }
        a.key.key_cmp(&b.key)
    });
    // Move each bucket to its place (no copies of the sub-results): follow the cycles of
    // the permutation, position `i` receiving the bucket at `idx[i]`.
    let mut done = vec![false; idx.len()];
    for start in 0..idx.len() {
        if done[start] {
            continue;
        }
        let mut at = start;
        loop {
            done[at] = true;
            let from = idx[at];
            if from == start {
                break;
            }
            buckets.swap(at, from);
            at = from;
        }
    }
    Ok(())
}

fn order_value(subs: &Aggregations, bucket: &Bucket, path: &str) -> Result<f64, StoreError> {
    super::pipeline::resolve_in_bucket(subs, bucket, path).map_err(|e| match e {
        StoreError::IllegalArgument(m) => {
            StoreError::IllegalArgument(format!("Invalid aggregation order path [{path}]. {m}"))
        }
        other => other,
    })
}

/// `AbstractInternalTerms.getDocCountError` of one shard's result.
fn shard_error(t: &TermsResult, order: &[BucketOrder]) -> i64 {
    let size = t.buckets.len();
    if size == 0 || size < t.shard_size || is_key_order(order) {
        0
    } else if is_count_desc(order) {
        if t.doc_count_error_upper_bound > 0 {
            t.doc_count_error_upper_bound
        } else {
            t.buckets
                .iter()
                .map(|b| b.doc_count as i64)
                .min()
                .unwrap_or(0)
        }
    } else {
        -1
    }
}

fn reduce_terms(
    def: &AggDef,
    parts: Vec<InternalAgg>,
    size: usize,
    min_doc_count: u64,
    order: &[BucketOrder],
    show_error: bool,
) -> Result<InternalAgg, StoreError> {
    let shards = parts.len();
    let mut sum_error: i64 = 0;
    let mut other = 0u64;
    let mut formats = Vec::new();
    let mut shard_size = 0;
    let mut all = Vec::new();
    for p in parts {
        let InternalAgg::Terms(t) = p else { continue };
        let err = shard_error(&t, order);
        if sum_error != -1 {
            sum_error = if err == -1 { -1 } else { sum_error + err };
        }
        other += t.sum_other_doc_count;
        if formats.is_empty() || t.formats.iter().any(|f| *f != KeyFormat::Raw) {
            formats = t.formats;
        }
        shard_size = shard_size.max(t.shard_size);
        for mut b in t.buckets {
            b.doc_count_error = err;
            all.push(b);
        }
    }
    let mut buckets = merge_buckets(&def.subs, all, shards)?;
    for b in &mut buckets {
        b.doc_count_error = if sum_error == -1 || !show_error {
            -1
        } else {
            sum_error - b.doc_count_error
        };
        if shards == 1 && sum_error != -1 {
            b.doc_count_error = 0;
        }
    }
    buckets.retain(|b| b.doc_count >= min_doc_count);
    sort_buckets(&def.subs, order, &mut buckets)?;
    if buckets.len() > size {
        other += buckets[size..].iter().map(|b| b.doc_count).sum::<u64>();
        buckets.truncate(size);
    }
    let error = if sum_error == -1 {
        -1
    } else if shards == 1 {
        0
    } else {
        sum_error
    };
    Ok(InternalAgg::Terms(TermsResult {
        buckets,
        sum_other_doc_count: other,
        doc_count_error_upper_bound: error,
        formats,
        shard_size,
    }))
}

fn reduce_histogram(
    def: &AggDef,
    parts: Vec<InternalAgg>,
    min_doc_count: u64,
    order: &[BucketOrder],
    rounding: Option<DateRounding>,
) -> Result<InternalAgg, StoreError> {
    let mut format = KeyFormat::Raw;
    let mut extended = None;
    let mut hard = (None, None);
    let mut all = Vec::new();
    let count = parts.len();
    for p in parts {
        if let InternalAgg::Histogram(h) = p {
            if h.format != KeyFormat::Raw {
                format = h.format;
            }
            extended = extended.or(h.extended_bounds);
            if hard == (None, None) {
                hard = h.hard_bounds;
            }
            all.extend(h.buckets);
        }
    }
    let mut buckets = merge_buckets(&def.subs, all, count)?;
    buckets.sort_by(|a, b| a.key.key_cmp(&b.key));
    if min_doc_count == 0 {
        buckets = fill_empty(def, buckets, extended, hard, rounding.as_ref())?;
    } else {
        buckets.retain(|b| b.doc_count >= min_doc_count);
    }
    let key_asc = matches!(order.first(), None | Some(BucketOrder::Key { asc: true }));
    if !key_asc {
        sort_buckets(&def.subs, order, &mut buckets)?;
    }
    Ok(InternalAgg::Histogram(HistogramResult {
        buckets,
        format,
        extended_bounds: extended,
        hard_bounds: hard,
    }))
}

/// The empty buckets of `min_doc_count: 0` between the first and last key, widened to
/// `extended_bounds` and held within `hard_bounds`.
fn fill_empty(
    def: &AggDef,
    buckets: Vec<Bucket>,
    extended: Option<(f64, f64)>,
    hard: (Option<f64>, Option<f64>),
    rounding: Option<&DateRounding>,
) -> Result<Vec<Bucket>, StoreError> {
    let (interval, offset) = match &def.kind {
        AggKind::Histogram(h) => (h.interval, h.offset),
        _ => (0.0, 0.0),
    };
    let round = |k: f64| -> f64 {
        match rounding {
            Some(r) => {
                let mut r = r.clone();
                r.round(k as i64) as f64
            }
            None => ((k - offset) / interval).floor() * interval + offset,
        }
    };
    let next = |k: f64| -> f64 {
        match rounding {
            Some(r) => r.next_key(k as i64) as f64,
            None => round(k + interval + interval / 2.0),
        }
    };
    let key_of = |k: f64| -> BucketKey {
        if rounding.is_some() {
            BucketKey::Long(k as i64)
        } else {
            BucketKey::Double(k)
        }
    };
    let first = buckets.first().and_then(|b| b.key.as_f64());
    let last = buckets.last().and_then(|b| b.key.as_f64());
    let mut lo = first;
    let mut hi = last;
    if let Some((min, max)) = extended {
        let (min, max) = (round(min), round(max));
        lo = Some(lo.map_or(min, |l| l.min(min)));
        hi = Some(hi.map_or(max, |h| h.max(max)));
    }
    if let Some(h) = hard.0 {
        lo = lo.map(|l| l.max(round(h)));
    }
    if let Some(h) = hard.1 {
        hi = hi.map(|x| x.min(h));
    }
    let (Some(lo), Some(hi)) = (lo, hi) else {
        return Ok(buckets);
    };
    let mut out = Vec::with_capacity(buckets.len());
    let mut existing = buckets.into_iter().peekable();
    let mut key = lo;
    let mut created = 0u64;
    while key <= hi {
        while let Some(b) = existing.peek() {
            let k = b.key.as_f64().unwrap_or(f64::NAN);
            if k < key {
                if let Some(b) = existing.next() {
                    out.push(b);
                }
            } else {
                break;
            }
        }
        match existing.peek() {
            Some(b) if b.key.as_f64() == Some(key) => {
                if let Some(b) = existing.next() {
                    out.push(b);
                }
            }
            _ => {
                created += 1;
                if created > MAX_BUCKETS {
                    return Err(StoreError::TooManyBuckets { max: MAX_BUCKETS });
                }
                out.push(Bucket {
                    key: key_of(key),
                    doc_count: 0,
                    doc_count_error: 0,
                    subs: empty_results(&def.subs),
                });
            }
        }
        let n = next(key);
        if n <= key {
            break;
        }
        key = n;
    }
    out.extend(existing);
    Ok(out)
}
