//! Aggregations: the `aggs` of a search parsed into typed requests with Elasticsearch's errors
//! ([`parse_aggregations`], [`validate`]), the per-shard results the engine produces
//! ([`InternalAgg`]), their reduction across indices as the coordinating node does it
//! ([`reduce`]), the pipeline aggregations applied to the reduced tree, and the rendering in
//! Elasticsearch's JSON shape ([`render`]). Execution over an index lives in the engine
//! (`engine::aggs_exec`); nothing here knows tantivy.
//!
//! A request is a tree of [`AggDef`]s. Results mirror it: a list of [`InternalAgg`] per
//! level, one per definition in the same order, pipeline definitions included (their slot is
//! [`InternalAgg::Pending`] until the pipeline pass fills it).
//!
//! Files: [`parse`](parse_aggregations) (request bodies and validation), `interval` (date
//! histogram intervals and rounding), `format` (Java's number and date spellings), `script`
//! (`bucket_script`'s arithmetic), `tdigest` and `hll` (the sketches behind `percentiles` and
//! `cardinality`), `result` (the result tree and its reduction), `pipeline`, `render`.

use serde_json::{Map, Value};

use crate::query::{Query, SortSpec, SourceFilter};

pub(crate) mod format;
mod hll;
mod interval;
mod parse;
mod pipeline;
mod render;
mod result;
mod script;
mod tdigest;

#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod unit_tests;

pub use format::{java_double, murmur3_x64_128_h1};
pub(crate) use hll::BuildFx;
pub use hll::Cardinality;
pub(crate) use interval::time_zone as time_zone_of;
pub use interval::{CalendarUnit, DateInterval, DateRounding};
pub(crate) use parse::parse_node;
pub use parse::{parse_aggregations, validate};
pub use pipeline::apply_pipelines;
pub use render::render;
pub use result::{
    Bucket, BucketKey, CompositeResult, FiltersResult, HistogramResult, InternalAgg, Kahan,
    KeyFormat, RangeBucket, RangeResult, SortKey, Stats, TermsResult, TopHit, TopHitsResult,
    TopMetricsRow, count_buckets, empty_result, reduce,
};
pub(crate) use result::{
    compare_sort, empty_results as empty_results_of, sort_buckets as sort_buckets_by,
    top_hits_slots,
};
pub use script::Expr;
pub use tdigest::Digest;

/// `search.max_buckets`: the most buckets a response may hold.
pub const MAX_BUCKETS: u64 = 65_536;

/// `index.max_inner_result_window`: the most `from + size` of a `top_hits`.
pub const MAX_INNER_RESULT_WINDOW: u64 = 100;

/// The aggregations of one level of the tree (`aggs` of a search or of a bucket
/// aggregation), in request order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Aggregations(pub Vec<AggDef>);

impl Aggregations {
    /// Whether there is nothing to compute.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The definitions that collect documents (not pipelines), with their position.
    pub fn collecting(&self) -> impl Iterator<Item = (usize, &AggDef)> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.kind.is_pipeline())
    }
}

/// One named aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct AggDef {
    /// Its name (the key in the response).
    pub name: String,
    /// What it computes.
    pub kind: AggKind,
    /// Its sub-aggregations.
    pub subs: Aggregations,
    /// `meta`: returned as is.
    pub meta: Option<Map<String, Value>>,
}

/// Where an aggregation reads its values: `field` and the options every values-source
/// aggregation shares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValuesSource {
    /// `field` (dotted path; `_index` is the index name).
    pub field: Option<String>,
    /// `missing`: the value of documents without one.
    pub missing: Option<Value>,
    /// `format`: dates (a date format) or numbers (a decimal pattern).
    pub format: Option<String>,
}

/// A bucket order criterion (`order`).
#[derive(Debug, Clone, PartialEq)]
pub enum BucketOrder {
    /// `_count`.
    Count {
        /// Ascending.
        asc: bool,
    },
    /// `_key` (and the older `_term`/`_time`).
    Key {
        /// Ascending.
        asc: bool,
    },
    /// A sub-aggregation path (`avg_price`, `stats.max`, `f>m`, `pct[99]`).
    Path {
        /// The path as written.
        path: String,
        /// Ascending.
        asc: bool,
    },
}

/// `include`/`exclude` of `terms`.
#[derive(Debug, Clone, PartialEq)]
pub enum IncludeExclude {
    /// A regular expression over the whole term (string fields).
    Regex(String),
    /// Exact values.
    Values(Vec<Value>),
    /// `{"partition": p, "num_partitions": n}`: the terms whose hash falls in partition `p`.
    Partition {
        /// Which partition.
        partition: u32,
        /// How many.
        num_partitions: u32,
    },
}

/// `terms`.
#[derive(Debug, Clone, PartialEq)]
pub struct TermsAgg {
    /// The field.
    pub source: ValuesSource,
    /// `size` (10).
    pub size: usize,
    /// `shard_size` (`size * 1.5 + 10` when not given).
    pub shard_size: Option<usize>,
    /// `min_doc_count` (1).
    pub min_doc_count: u64,
    /// `shard_min_doc_count` (0).
    pub shard_min_doc_count: u64,
    /// `order` (`_count desc`, then `_key asc` to break ties).
    pub order: Vec<BucketOrder>,
    /// `include`.
    pub include: Option<IncludeExclude>,
    /// `exclude`.
    pub exclude: Option<IncludeExclude>,
    /// `show_term_doc_count_error`.
    pub show_term_doc_count_error: bool,
}

impl TermsAgg {
    /// `BucketUtils.suggestShardSideQueueSize`: `size * 1.5 + 10` unless given.
    pub fn effective_shard_size(&self) -> usize {
        match self.shard_size {
            Some(s) => s.max(self.size),
            None => self
                .size
                .saturating_add(self.size / 2)
                .saturating_add(10)
                .min(i32::MAX as usize),
        }
    }
}

/// `multi_terms`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiTermsAgg {
    /// The fields, in key order.
    pub terms: Vec<ValuesSource>,
    /// `size` (10).
    pub size: usize,
    /// `shard_size`.
    pub shard_size: Option<usize>,
    /// `min_doc_count` (1).
    pub min_doc_count: u64,
    /// `shard_min_doc_count` (0).
    pub shard_min_doc_count: u64,
    /// `order`.
    pub order: Vec<BucketOrder>,
    /// `show_term_doc_count_error`.
    pub show_term_doc_count_error: bool,
}

/// Bounds of a histogram (`extended_bounds`, `hard_bounds`): numbers, or for dates numbers
/// and date math strings.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bounds {
    /// `min`.
    pub min: Option<Value>,
    /// `max`.
    pub max: Option<Value>,
}

/// `date_histogram`.
#[derive(Debug, Clone, PartialEq)]
pub struct DateHistogramAgg {
    /// The field.
    pub source: ValuesSource,
    /// `calendar_interval` or `fixed_interval`.
    pub interval: DateInterval,
    /// `time_zone` as given.
    pub time_zone: Option<String>,
    /// `offset` in milliseconds.
    pub offset: i64,
    /// `min_doc_count` (0).
    pub min_doc_count: u64,
    /// `extended_bounds`.
    pub extended_bounds: Option<Bounds>,
    /// `hard_bounds`.
    pub hard_bounds: Option<Bounds>,
    /// `order` (`_key asc`).
    pub order: Vec<BucketOrder>,
    /// `keyed`.
    pub keyed: bool,
}

/// `histogram`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramAgg {
    /// The field.
    pub source: ValuesSource,
    /// `interval` (> 0).
    pub interval: f64,
    /// `offset`.
    pub offset: f64,
    /// `min_doc_count` (0).
    pub min_doc_count: u64,
    /// `extended_bounds`.
    pub extended_bounds: Option<(f64, f64)>,
    /// `hard_bounds`.
    pub hard_bounds: Option<(Option<f64>, Option<f64>)>,
    /// `order` (`_key asc`).
    pub order: Vec<BucketOrder>,
    /// `keyed`.
    pub keyed: bool,
}

/// One range of `range`/`date_range`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSpec {
    /// `key`.
    pub key: Option<String>,
    /// `from` (inclusive): a number, or for dates a date math string.
    pub from: Option<Value>,
    /// `to` (exclusive).
    pub to: Option<Value>,
}

/// `range` and `date_range`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeAgg {
    /// The field.
    pub source: ValuesSource,
    /// `ranges`.
    pub ranges: Vec<RangeSpec>,
    /// `keyed`.
    pub keyed: bool,
    /// `time_zone` (`date_range`).
    pub time_zone: Option<String>,
    /// Whether this is a `date_range`.
    pub date: bool,
}

/// `filters`.
#[derive(Debug, Clone, PartialEq)]
pub struct FiltersAgg {
    /// Named filters (sorted by name, as Elasticsearch keeps them) or anonymous ones.
    pub filters: Vec<(Option<String>, Query)>,
    /// Whether the filters were named (an object) rather than a list.
    pub named: bool,
    /// `other_bucket` (or implied by `other_bucket_key`).
    pub other_bucket: bool,
    /// `other_bucket_key` (`_other_`).
    pub other_bucket_key: String,
    /// `keyed` (true).
    pub keyed: bool,
}

/// One source of `composite`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeSource {
    /// Its name (the key in `key`).
    pub name: String,
    /// What the source does with values.
    pub kind: CompositeSourceKind,
    /// The field.
    pub source: ValuesSource,
    /// `order` (asc).
    pub asc: bool,
    /// `missing_bucket`: documents without a value make a `null` key.
    pub missing_bucket: bool,
}

/// The kind of a composite source.
#[derive(Debug, Clone, PartialEq)]
pub enum CompositeSourceKind {
    /// `terms`.
    Terms,
    /// `histogram` with its interval.
    Histogram(f64),
    /// `date_histogram`.
    DateHistogram {
        /// The interval.
        interval: DateInterval,
        /// `time_zone`.
        time_zone: Option<String>,
        /// `offset` in ms.
        offset: i64,
    },
}

/// `composite`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeAgg {
    /// `sources`.
    pub sources: Vec<CompositeSource>,
    /// `size` (10).
    pub size: usize,
    /// `after`: the key to start after.
    pub after: Option<Map<String, Value>>,
}

/// `percentiles`.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentilesAgg {
    /// The field.
    pub source: ValuesSource,
    /// `percents`, sorted (1, 5, 25, 50, 75, 95, 99).
    pub percents: Vec<f64>,
    /// `keyed` (true).
    pub keyed: bool,
    /// `tdigest.compression` (100).
    pub compression: f64,
}

/// `top_hits`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopHitsAgg {
    /// `from` (0).
    pub from: usize,
    /// `size` (3).
    pub size: usize,
    /// `sort` (by score when empty).
    pub sort: Vec<SortSpec>,
    /// `_source`.
    pub source: SourceFilter,
    /// `version`.
    pub version: bool,
    /// `seq_no_primary_term`.
    pub seq_no_primary_term: bool,
    /// `track_scores`.
    pub track_scores: bool,
}

/// `top_metrics`.
#[derive(Debug, Clone, PartialEq)]
pub struct TopMetricsAgg {
    /// `metrics`: the fields to return.
    pub metrics: Vec<String>,
    /// `sort` (one criterion).
    pub sort: SortSpec,
    /// `size` (1).
    pub size: usize,
}

/// `gap_policy` of pipeline aggregations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GapPolicy {
    /// `skip` (the default): a bucket without a value is skipped.
    #[default]
    Skip,
    /// `insert_zeros`: a missing value counts as 0.
    InsertZeros,
    /// `keep_values`: like skip, but non-null values computed by a script are kept.
    KeepValues,
}

/// `max_bucket`, `min_bucket`, `avg_bucket`, `sum_bucket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketMetric {
    /// `max_bucket`.
    Max,
    /// `min_bucket`.
    Min,
    /// `avg_bucket`.
    Avg,
    /// `sum_bucket`.
    Sum,
}

impl BucketMetric {
    /// The aggregation's type name.
    pub fn type_name(self) -> &'static str {
        match self {
            BucketMetric::Max => "max_bucket",
            BucketMetric::Min => "min_bucket",
            BucketMetric::Avg => "avg_bucket",
            BucketMetric::Sum => "sum_bucket",
        }
    }
}

/// A pipeline aggregation's common settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// `buckets_path`: `(variable, path)`; single paths use the variable `_value`.
    pub paths: Vec<(String, String)>,
    /// `gap_policy`.
    pub gap_policy: GapPolicy,
    /// `format`.
    pub format: Option<String>,
}

/// What an aggregation computes.
// Parsed once per request and never moved in bulk: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum AggKind {
    /// `terms`.
    Terms(TermsAgg),
    /// `multi_terms`.
    MultiTerms(MultiTermsAgg),
    /// `date_histogram`.
    DateHistogram(DateHistogramAgg),
    /// `histogram`.
    Histogram(HistogramAgg),
    /// `range` / `date_range`.
    Range(RangeAgg),
    /// `filter`.
    Filter(Query),
    /// `filters`.
    Filters(FiltersAgg),
    /// `missing`.
    Missing(ValuesSource),
    /// `composite`.
    Composite(CompositeAgg),
    /// `avg`.
    Avg(ValuesSource),
    /// `min`.
    Min(ValuesSource),
    /// `max`.
    Max(ValuesSource),
    /// `sum`.
    Sum(ValuesSource),
    /// `value_count`.
    ValueCount(ValuesSource),
    /// `stats`.
    Stats(ValuesSource),
    /// `extended_stats` with its `sigma` (2).
    ExtendedStats(ValuesSource, f64),
    /// `cardinality` with its `precision_threshold` (3000, at most 40000).
    Cardinality(ValuesSource, u64),
    /// `percentiles`.
    Percentiles(PercentilesAgg),
    /// `top_hits`.
    TopHits(TopHitsAgg),
    /// `top_metrics`.
    TopMetrics(TopMetricsAgg),
    /// `derivative` with its `unit` in milliseconds.
    Derivative(PipelineSpec, Option<i64>),
    /// `cumulative_sum`.
    CumulativeSum(PipelineSpec),
    /// `max_bucket` and friends.
    BucketMetric(BucketMetric, PipelineSpec),
    /// `bucket_script`.
    BucketScript(PipelineSpec, Expr),
}

impl AggKind {
    /// Elasticsearch's type name (`typed_keys` prefixes and messages).
    pub fn type_name(&self) -> &'static str {
        match self {
            AggKind::Terms(_) => "terms",
            AggKind::MultiTerms(_) => "multi_terms",
            AggKind::DateHistogram(_) => "date_histogram",
            AggKind::Histogram(_) => "histogram",
            AggKind::Range(r) if r.date => "date_range",
            AggKind::Range(_) => "range",
            AggKind::Filter(_) => "filter",
            AggKind::Filters(_) => "filters",
            AggKind::Missing(_) => "missing",
            AggKind::Composite(_) => "composite",
            AggKind::Avg(_) => "avg",
            AggKind::Min(_) => "min",
            AggKind::Max(_) => "max",
            AggKind::Sum(_) => "sum",
            AggKind::ValueCount(_) => "value_count",
            AggKind::Stats(_) => "stats",
            AggKind::ExtendedStats(..) => "extended_stats",
            AggKind::Cardinality(..) => "cardinality",
            AggKind::Percentiles(_) => "percentiles",
            AggKind::TopHits(_) => "top_hits",
            AggKind::TopMetrics(_) => "top_metrics",
            AggKind::Derivative(..) => "derivative",
            AggKind::CumulativeSum(_) => "cumulative_sum",
            AggKind::BucketMetric(m, _) => m.type_name(),
            AggKind::BucketScript(..) => "bucket_script",
        }
    }

    /// Whether it is a pipeline aggregation (computed from other results, after reduction).
    pub fn is_pipeline(&self) -> bool {
        matches!(
            self,
            AggKind::Derivative(..)
                | AggKind::CumulativeSum(_)
                | AggKind::BucketMetric(..)
                | AggKind::BucketScript(..)
        )
    }

    /// Whether it makes many buckets (what sibling pipelines may walk).
    pub fn is_multi_bucket(&self) -> bool {
        matches!(
            self,
            AggKind::Terms(_)
                | AggKind::MultiTerms(_)
                | AggKind::DateHistogram(_)
                | AggKind::Histogram(_)
                | AggKind::Range(_)
                | AggKind::Filters(_)
                | AggKind::Composite(_)
        )
    }

    /// The values source, for aggregations that read a field.
    pub fn values_source(&self) -> Option<&ValuesSource> {
        match self {
            AggKind::Terms(t) => Some(&t.source),
            AggKind::DateHistogram(d) => Some(&d.source),
            AggKind::Histogram(h) => Some(&h.source),
            AggKind::Range(r) => Some(&r.source),
            AggKind::Missing(s)
            | AggKind::Avg(s)
            | AggKind::Min(s)
            | AggKind::Max(s)
            | AggKind::Sum(s)
            | AggKind::ValueCount(s)
            | AggKind::Stats(s)
            | AggKind::ExtendedStats(s, _)
            | AggKind::Cardinality(s, _) => Some(s),
            AggKind::Percentiles(p) => Some(&p.source),
            _ => None,
        }
    }
}
