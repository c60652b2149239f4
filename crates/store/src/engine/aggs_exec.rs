//! Aggregation execution over the indices of a search: one pass per segment over the
//! documents the query matches, feeding a tree of collectors that read tantivy's fast
//! columns (no `_source` parsing, no allocation per document), then each index's results
//! built, reduced across indices ([`crate::aggs::reduce`]), checked against
//! `search.max_buckets`, run through the pipelines and rendered.
//!
//! Collectors work as Elasticsearch's aggregators do: documents arrive in blocks, each with
//! the ordinal of the bucket that owns it (0 at the top level); a bucket aggregation maps
//! `(owner, key)` to its own bucket ordinals and hands the documents on to its
//! sub-aggregations with those ordinals; metrics keep one state per ordinal. Strings are
//! interned per index so that keys compare across segments; segment term ordinals map to
//! them through a per-segment table filled on first sight.

use std::collections::HashMap;
use std::sync::Arc;

use ironstack_types::date::{TimeZone, Timestamp};
use serde_json::Value;
use tantivy::columnar::{Column, ColumnIndex, DynamicColumn, StrColumn};
use tantivy::query::{EnableScoring, Scorer, Weight};
use tantivy::{DocId, DocSet, Searcher, SegmentReader, TERMINATED};

use crate::aggs::{
    AggDef, AggKind, Aggregations, Bucket, BucketKey, BucketOrder, Cardinality, CompositeResult,
    CompositeSourceKind, DateRounding, Digest, FiltersResult, HistogramResult, IncludeExclude,
    InternalAgg, KeyFormat, MAX_BUCKETS, MAX_INNER_RESULT_WINDOW, RangeBucket, RangeResult, Stats,
    TermsResult, TopHit, TopHitsResult, TopMetricsRow, ValuesSource,
};
use crate::aggs::{BuildFx, SortKey, compare_sort, format as fmt, top_hits_slots};
use crate::error::{Result, StoreError};
use crate::query::{Missing, SearchRequest, SortBy, SortOrder, SortSpec};

use super::compile::Compiler;
use super::schema::{self, hex_to_ip, ip_to_hex};
use super::shard::Shard;
use super::{FieldInfo, FieldKind, FieldTypes};

type FxMap<K, V> = HashMap<K, V, BuildFx>;

/// What a search's aggregation pass produced.
pub(crate) struct AggsRun {
    /// The rendered `aggregations` object.
    pub(crate) rendered: Value,
    /// How many live documents the request's `query` matched, when a pass over them ran:
    /// a search that needs no hits takes its total from here rather than matching twice.
    pub(crate) matched: Option<u64>,
}

/// The `aggregations` of a search, if it asks for any: its parsed `aggs`, or its raw
/// `aggregations` parsed here (requests built in code).
pub(crate) fn for_request(
    shards: &[Arc<Shard>],
    searchers: &[Searcher],
    request: &SearchRequest,
    types: &dyn FieldTypes,
    now: Timestamp,
) -> Result<Option<AggsRun>> {
    let parsed;
    let aggs = match (&request.aggs, &request.aggregations) {
        (Some(aggs), _) => aggs,
        (None, Some(raw)) => {
            parsed = crate::aggs::parse_aggregations(raw)?;
            let errors = crate::aggs::validate(&parsed);
            if !errors.is_empty() {
                return Err(StoreError::Validation(errors));
            }
            &parsed
        }
        (None, None) => return Ok(None),
    };
    if aggs.is_empty() {
        return Ok(Some(AggsRun {
            rendered: Value::Object(serde_json::Map::new()),
            matched: None,
        }));
    }
    run(shards, searchers, request, aggs, types, now).map(Some)
}

/// Runs `aggs` over `shards` (each searched with the matching searcher) and renders the
/// `aggregations` object.
pub(crate) fn run(
    shards: &[Arc<Shard>],
    searchers: &[Searcher],
    request: &SearchRequest,
    aggs: &Aggregations,
    types: &dyn FieldTypes,
    now: Timestamp,
) -> Result<AggsRun> {
    let mut parts = Vec::with_capacity(shards.len());
    let mut matched = 0u64;
    for (idx, (shard, searcher)) in shards.iter().zip(searchers).enumerate() {
        let run = |segments: Option<&Slice>| {
            guarded(|| run_shard(idx, shard, searcher, request, aggs, types, now, segments))
        };
        match slices(shard, searcher, aggs, types) {
            Some([first, second]) => {
                let (mine, other) = std::thread::scope(|scope| {
                    let other = scope.spawn(|| run(Some(&second)));
                    (run(Some(&first)), other.join())
                });
                let other = other.unwrap_or_else(|_| {
                    Err(StoreError::Storage(
                        "aggregation failed: a search thread panicked".into(),
                    ))
                });
                for (part, n) in [mine?, other?] {
                    parts.push(part);
                    matched += n;
                }
            }
            None => {
                let (part, n) = run(None)?;
                parts.push(part);
                matched += n;
            }
        }
    }
    let mut results = crate::aggs::reduce(aggs, parts)?;
    if crate::aggs::count_buckets(&results) > MAX_BUCKETS {
        return Err(StoreError::TooManyBuckets { max: MAX_BUCKETS });
    }
    crate::aggs::apply_pipelines(aggs, &mut results)?;
    Ok(AggsRun {
        rendered: crate::aggs::render(aggs, &results, request.typed_keys),
        matched: Some(matched),
    })
}

fn guarded<T>(run: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(r) => r,
        Err(_) => Err(StoreError::Storage(
            "aggregation failed: the search library panicked".into(),
        )),
    }
}

fn tantivy_err(e: tantivy::TantivyError) -> StoreError {
    StoreError::Storage(format!("aggregation failed: {e}"))
}

/// What building collectors needs to know about one index.
struct Plan<'a> {
    shard: &'a Shard,
    searcher: &'a Searcher,
    types: &'a dyn FieldTypes,
    compiler: Compiler<'a>,
    now: Timestamp,
    /// Whether some collector needs scores.
    scoring: bool,
}

/// What building results needs.
struct BuildCtx<'a> {
    shard: &'a Shard,
    searcher: &'a Searcher,
    shard_idx: usize,
}

/// Part of an index's documents: ranges of document ids in segments (by ordinal).
type Slice = Vec<(u32, std::ops::Range<DocId>)>;

/// An index with at least this many documents has its segments aggregated on two threads.
const SLICE_MIN_DOCS: u32 = 100_000;

#[cfg(test)]
thread_local! {
    /// Tests lower the threshold to slice small indices, and count the sliced passes.
    static SLICE_MIN_DOCS_FOR_TESTS: std::cell::Cell<u32> = const { std::cell::Cell::new(SLICE_MIN_DOCS) };
    static SLICED_FOR_TESTS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// The cores this process may use, read once: the standard library reads the cgroup's
/// limits from files on each call.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn slice_min_docs() -> u32 {
    #[cfg(test)]
    return SLICE_MIN_DOCS_FOR_TESTS.with(|c| c.get());
    #[cfg(not(test))]
    SLICE_MIN_DOCS
}

/// The index's documents in two halves, to aggregate side by side as Elasticsearch's
/// concurrent segment search does, when that cannot change the answer:
/// every aggregation reduces exactly from two parts (no `percentiles` digest, `cardinality`
/// sketch or hit list), and no `terms` has more distinct keys in a half than its
/// `shard_size`, so that no half drops a candidate. Sums of doubles may differ in their last
/// digits, as they do between shards. `None` on a single core, for small indices, or when a
/// condition does not hold.
fn slices(
    shard: &Shard,
    searcher: &Searcher,
    aggs: &Aggregations,
    types: &dyn FieldTypes,
) -> Option<[Slice; 2]> {
    let readers = searcher.segment_readers();
    if readers.len() < 2
        || readers.iter().map(|r| u64::from(r.num_docs())).sum::<u64>()
            < u64::from(slice_min_docs())
        || cores() < 2
    {
        return None;
    }
    let mut terms = Vec::new();
    if !sliceable(shard, aggs, types, &mut terms) {
        return None;
    }

    // Documents in segment order, cut in the middle: the segment that holds the middle
    // is read in two ranges, one per half (merged indices have a few large segments).
    let total: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
    let mut halves: [Slice; 2] = [Vec::new(), Vec::new()];
    let mut before = 0u64;
    for (i, reader) in readers.iter().enumerate() {
        let max = reader.max_doc();
        let cut = (total / 2).saturating_sub(before).min(u64::from(max)) as DocId;
        if cut > 0 {
            halves[0].push((i as u32, 0..cut));
        }
        if cut < max {
            halves[1].push((i as u32, cut..max));
        }
        before += u64::from(max);
    }
    // The distinct keys of a half, read from its segments' dictionaries until there are too
    // many: at most `shard_size` lookups per segment.
    let fits = |half: &Slice, column: &str, shard_size: usize| {
        let mut keys = std::collections::HashSet::new();
        let mut key = String::new();
        for (i, _) in half {
            let Ok(Some(col)) = readers[*i as usize].fast_fields().str(column) else {
                continue;
            };
            let n = col.num_terms();
            // One more for a `missing` key.
            if n + 1 >= shard_size {
                return false;
            }
            for ord in 0..n as u64 {
                key.clear();
                if col.ord_to_str(ord, &mut key).is_err() {
                    return false;
                }
                if !keys.contains(key.as_str()) {
                    keys.insert(key.clone());
                    if keys.len() + 1 >= shard_size {
                        return false;
                    }
                }
            }
        }
        true
    };
    let all_fit = terms
        .iter()
        .all(|(column, shard_size)| halves.iter().all(|half| fits(half, column, *shard_size)));
    let sliced = all_fit && halves.iter().all(|h| !h.is_empty());
    #[cfg(test)]
    if sliced {
        SLICED_FOR_TESTS.with(|c| c.set(c.get() + 1));
    }
    sliced.then_some(halves)
}

/// Whether every aggregation of `aggs` reduces exactly from parts; collects each `terms`
/// aggregation's column and `shard_size` for the key count check.
fn sliceable(
    shard: &Shard,
    aggs: &Aggregations,
    types: &dyn FieldTypes,
    terms: &mut Vec<(String, usize)>,
) -> bool {
    aggs.0.iter().all(|def| {
        let kind_ok = match &def.kind {
            AggKind::Terms(t) => {
                let field = t.source.field.as_deref().unwrap_or_default();
                match types.field(&shard.name, field) {
                    Some(info) if info.kind == FieldKind::Keyword && t.shard_min_doc_count == 0 => {
                        terms.push((
                            shard
                                .fields
                                .column(info.kind, &types.concrete(&shard.name, field)),
                            t.effective_shard_size(),
                        ));
                        true
                    }
                    _ => false,
                }
            }
            AggKind::DateHistogram(_)
            | AggKind::Histogram(_)
            | AggKind::Range(_)
            | AggKind::Filter(_)
            | AggKind::Filters(_)
            | AggKind::Missing(_)
            | AggKind::Avg(_)
            | AggKind::Min(_)
            | AggKind::Max(_)
            | AggKind::Sum(_)
            | AggKind::ValueCount(_)
            | AggKind::Stats(_)
            | AggKind::ExtendedStats(..) => true,
            k => k.is_pipeline(),
        };
        kind_ok && sliceable(shard, &def.subs, types, terms)
    })
}

// Each argument is one thing the shard's pass needs; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn run_shard(
    shard_idx: usize,
    shard: &Shard,
    searcher: &Searcher,
    request: &SearchRequest,
    aggs: &Aggregations,
    types: &dyn FieldTypes,
    now: Timestamp,
    segments: Option<&Slice>,
) -> Result<(Vec<InternalAgg>, u64)> {
    let slots = shard.current_text_slots();
    let mut plan = Plan {
        shard,
        searcher,
        types,
        compiler: Compiler {
            fields: &shard.fields,
            types,
            index: &shard.name,
            uuid: &shard.uuid,
            now,
            text_slots: &slots,
        },
        now,
        scoring: false,
    };
    let mut top = Subs::new(&mut plan, aggs, true)?;
    let query = plan.compiler.compile(&request.query)?;
    let scoring = plan.scoring;
    let enable = if scoring {
        EnableScoring::enabled_from_searcher(searcher)
    } else {
        EnableScoring::disabled_from_searcher(searcher)
    };
    let weight = query.weight(enable).map_err(tantivy_err)?;
    const OWNERS: [u32; 64] = [0; 64];
    const ZEROS: [f32; 64] = [0.0; 64];
    let mut matched = 0u64;
    for (seg, reader) in searcher.segment_readers().iter().enumerate() {
        let seg = seg as u32;
        let range = match segments {
            None => None,
            Some(slice) => match slice.iter().find(|(s, _)| *s == seg) {
                None => continue,
                Some((_, r)) if r.start == 0 && r.end >= reader.max_doc() => None,
                Some((_, r)) => Some(r.clone()),
            },
        };
        top.set_segment(seg, reader)?;
        let alive = reader.alive_bitset();
        let mut docs: Vec<DocId> = Vec::with_capacity(64);
        let mut scores: Vec<f32> = Vec::with_capacity(64);
        let range = range.unwrap_or(0..DocId::MAX);
        if scoring {
            weight
                .for_each(reader, &mut |doc, score| {
                    if range.contains(&doc) && alive.is_none_or(|a| a.is_alive(doc)) {
                        matched += 1;
                        docs.push(doc);
                        scores.push(score);
                        if docs.len() == 64 {
                            top.collect(&docs, &OWNERS, &scores);
                            docs.clear();
                            scores.clear();
                        }
                    }
                })
                .map_err(tantivy_err)?;
        } else {
            weight
                .for_each_no_score(reader, &mut |block| {
                    // Blocks come in document order: the part inside the range, whole
                    // blocks outside it skipped at the cost of two comparisons.
                    let from = block.partition_point(|d| *d < range.start);
                    let to = block.partition_point(|d| *d < range.end);
                    for chunk in block[from..to].chunks(64) {
                        match alive {
                            None => {
                                matched += chunk.len() as u64;
                                top.collect(chunk, &OWNERS[..chunk.len()], &ZEROS[..chunk.len()])
                            }
                            Some(a) => {
                                docs.clear();
                                docs.extend(chunk.iter().copied().filter(|d| a.is_alive(*d)));
                                matched += docs.len() as u64;
                                top.collect(&docs, &OWNERS[..docs.len()], &ZEROS[..docs.len()]);
                            }
                        }
                    }
                })
                .map_err(tantivy_err)?;
            docs.clear();
        }
        if !docs.is_empty() {
            let n = docs.len();
            top.collect(&docs, &OWNERS[..n], &scores[..n]);
        }
    }
    let ctx = BuildCtx {
        shard,
        searcher,
        shard_idx,
    };
    Ok((top.build(0, &ctx)?, matched))
}

// ---------------------------------------------------------------------------------------
// Fields and columns

/// A field as an aggregation reads it in one index.
#[derive(Debug, Clone)]
enum FieldRef {
    /// Not mapped: no values (the `missing` value for every document, if given).
    Unmapped,
    /// `_index`: the index name.
    Index,
    /// A mapped field with doc values.
    Mapped { column: String, info: FieldInfo },
}

impl FieldRef {
    fn kind(&self) -> Option<FieldKind> {
        match self {
            FieldRef::Mapped { info, .. } => Some(info.kind),
            FieldRef::Index => Some(FieldKind::Keyword),
            FieldRef::Unmapped => None,
        }
    }

    fn date_format(&self) -> Option<String> {
        match self {
            FieldRef::Mapped { info, .. } => info.format.clone(),
            _ => None,
        }
    }
}

fn fielddata_error(plan: &Plan<'_>, field: &str) -> StoreError {
    StoreError::ShardIllegalArgument {
        index: plan.shard.name.clone(),
        reason: format!(
            "Fielddata is disabled on [{field}] in [{}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.",
            plan.shard.name
        ),
    }
}

fn resolve(plan: &Plan<'_>, source: &ValuesSource) -> Result<FieldRef> {
    let Some(field) = source.field.as_deref() else {
        return Err(StoreError::IllegalArgument(
            "Required one of fields [field, script], but none were specified. ".into(),
        ));
    };
    match field {
        "_index" => return Ok(FieldRef::Index),
        "_id" => {
            return Err(StoreError::ShardIllegalArgument {
                index: plan.shard.name.clone(),
                reason: "Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled".into(),
            });
        }
        _ => {}
    }
    match plan.types.field(&plan.shard.name, field) {
        None => Ok(FieldRef::Unmapped),
        Some(info) if info.kind == FieldKind::Text => Err(fielddata_error(plan, field)),
        Some(info) if !info.doc_values => Err(StoreError::ShardIllegalArgument {
            index: plan.shard.name.clone(),
            reason: format!(
                "Can't load fielddata on [{field}] because fielddata is unsupported on fields of type [{}]. Use doc values instead.",
                info.kind.type_name()
            ),
        }),
        Some(info) => Ok(FieldRef::Mapped {
            column: plan
                .shard
                .fields
                .column(info.kind, &plan.types.concrete(&plan.shard.name, field)),
            info,
        }),
    }
}

/// `Field [x] of type [keyword] is not supported for aggregation [avg]`.
fn unsupported(plan: &Plan<'_>, field: &str, kind: FieldKind, agg: &str) -> StoreError {
    StoreError::ShardIllegalArgument {
        index: plan.shard.name.clone(),
        reason: format!(
            "Field [{field}] of type [{}] is not supported for aggregation [{agg}]",
            kind.type_name()
        ),
    }
}

fn is_numeric(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Long
            | FieldKind::UnsignedLong
            | FieldKind::Double
            | FieldKind::Boolean
            | FieldKind::Date
            | FieldKind::DateNanos
    )
}

/// Resolves a field that must hold numbers (metrics, histograms, ranges).
fn numeric_field(plan: &Plan<'_>, source: &ValuesSource, agg: &str) -> Result<FieldRef> {
    let f = resolve(plan, source)?;
    match f.kind() {
        Some(k) if !is_numeric(k) => Err(unsupported(
            plan,
            source.field.as_deref().unwrap_or_default(),
            k,
            agg,
        )),
        _ => Ok(f),
    }
}

/// One segment's column of a field.
enum Col {
    None,
    Str(StrColumn),
    I64(Column<i64>),
    U64(Column<u64>),
    F64(Column<f64>),
    Bool(Column<bool>),
    Date(Column<tantivy::DateTime>),
}

/// Epoch ms of a column date (rounded down, before 1970 too); `date_nanos` values are
/// bucketed by the millisecond as Elasticsearch does.
fn millis_of(d: tantivy::DateTime) -> i64 {
    d.into_timestamp_nanos().div_euclid(1_000_000)
}

impl Col {
    fn open(reader: &SegmentReader, field: &FieldRef) -> Col {
        let FieldRef::Mapped { column, info } = field else {
            return Col::None;
        };
        let ff = reader.fast_fields();
        match info.kind {
            FieldKind::Keyword | FieldKind::Ip | FieldKind::Text => {
                ff.str(column).ok().flatten().map_or(Col::None, Col::Str)
            }
            FieldKind::Boolean => ff
                .column_opt::<bool>(column)
                .ok()
                .flatten()
                .map_or(Col::None, Col::Bool),
            FieldKind::Date | FieldKind::DateNanos => ff
                .column_opt::<tantivy::DateTime>(column)
                .ok()
                .flatten()
                .map_or(Col::None, Col::Date),
            FieldKind::Long | FieldKind::UnsignedLong | FieldKind::Double => {
                let Ok(handles) = ff.dynamic_column_handles(column) else {
                    return Col::None;
                };
                for h in handles {
                    match h.open() {
                        Ok(DynamicColumn::I64(c)) => return Col::I64(c),
                        Ok(DynamicColumn::U64(c)) => return Col::U64(c),
                        Ok(DynamicColumn::F64(c)) => return Col::F64(c),
                        _ => {}
                    }
                }
                Col::None
            }
        }
    }

    /// Calls `f` with each value of `doc` as a double; returns how many.
    #[inline]
    fn each_f64(&self, doc: DocId, mut f: impl FnMut(f64)) -> usize {
        let mut n = 0;
        match self {
            Col::I64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v as f64)
            }),
            Col::U64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v as f64)
            }),
            Col::F64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v)
            }),
            Col::Bool(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(if v { 1.0 } else { 0.0 })
            }),
            Col::Date(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(millis_of(v) as f64)
            }),
            Col::Str(_) | Col::None => {}
        }
        n
    }

    /// Calls `f` with each value of `doc` as an integer (dates in ms, booleans 0/1).
    #[inline]
    fn each_i64(&self, doc: DocId, mut f: impl FnMut(i64)) -> usize {
        let mut n = 0;
        match self {
            Col::I64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v)
            }),
            Col::U64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(i64::try_from(v).unwrap_or(i64::MAX))
            }),
            Col::F64(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v as i64)
            }),
            Col::Bool(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(i64::from(v))
            }),
            Col::Date(c) => c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(millis_of(v))
            }),
            Col::Str(_) | Col::None => {}
        }
        n
    }

    /// The number of values of `doc`.
    fn count(&self, doc: DocId) -> usize {
        match self {
            Col::Str(c) => c.term_ords(doc).count(),
            other => other.each_f64(doc, |_| {}),
        }
    }
}

/// Scratch space for reading a block of single-valued documents at once (`first_vals`:
/// one batched read instead of an iterator per document).
#[derive(Default)]
struct Tmp {
    i64s: Vec<Option<i64>>,
    u64s: Vec<Option<u64>>,
    f64s: Vec<Option<f64>>,
    bools: Vec<Option<bool>>,
    dates: Vec<Option<tantivy::DateTime>>,
    /// The same for columns where every document has one value (no `Option`s).
    dense_u64: Vec<u64>,
    dense_i64: Vec<i64>,
    dense_f64: Vec<f64>,
    dense_bool: Vec<bool>,
    dense_dates: Vec<tantivy::DateTime>,
}

/// The values of `docs` when every document of the segment has exactly one (tantivy's
/// `Full` index: the value of a document is at its own row); `false` otherwise. A run of
/// consecutive documents (what a match-all or a range over sorted data gives) is decoded
/// as a range.
fn dense<T>(col: &Column<T>, docs: &[DocId], out: &mut Vec<T>) -> bool
where
    T: PartialOrd + Copy + Default + std::fmt::Debug + Send + Sync + 'static,
{
    if !matches!(col.index, ColumnIndex::Full) {
        return false;
    }
    out.clear();
    out.resize(docs.len(), T::default());
    // Each id one above the last: a block handed down by a multi-valued bucket repeats
    // documents, and its ends alone do not tell a run.
    let run = docs.windows(2).all(|w| w[0].checked_add(1) == Some(w[1]));
    match docs.first() {
        Some(&first) if run => col.values.get_range(u64::from(first), out),
        _ => col.values.get_vals(docs, out),
    }
    true
}

fn fill<T>(col: &Column<T>, docs: &[DocId], out: &mut Vec<Option<T>>)
where
    T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
{
    out.clear();
    out.resize(docs.len(), None);
    col.first_vals(docs, out);
}

impl Col {
    /// Whether every document has at most one value (block reads apply).
    fn single(&self) -> bool {
        use tantivy::columnar::Cardinality;
        let card = match self {
            Col::Str(c) => c.ords().get_cardinality(),
            Col::I64(c) => c.get_cardinality(),
            Col::U64(c) => c.get_cardinality(),
            Col::F64(c) => c.get_cardinality(),
            Col::Bool(c) => c.get_cardinality(),
            Col::Date(c) => c.get_cardinality(),
            Col::None => return true,
        };
        card != Cardinality::Multivalued
    }

    /// The values of `docs` as integers (dates in ms, booleans 0/1) when every document
    /// of the segment has one; `false` otherwise.
    fn dense_i64(&self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<i64>) -> bool {
        match self {
            Col::I64(c) => dense(c, docs, out),
            Col::Date(c) => {
                if !dense(c, docs, &mut tmp.dense_dates) {
                    return false;
                }
                out.clear();
                out.extend(tmp.dense_dates.iter().map(|d| millis_of(*d)));
                true
            }
            Col::U64(c) => {
                if !dense(c, docs, &mut tmp.dense_u64) {
                    return false;
                }
                out.clear();
                out.extend(
                    tmp.dense_u64
                        .iter()
                        .map(|x| i64::try_from(*x).unwrap_or(i64::MAX)),
                );
                true
            }
            Col::F64(c) => {
                if !dense(c, docs, &mut tmp.dense_f64) {
                    return false;
                }
                out.clear();
                out.extend(tmp.dense_f64.iter().map(|x| *x as i64));
                true
            }
            Col::Bool(c) => {
                if !dense(c, docs, &mut tmp.dense_bool) {
                    return false;
                }
                out.clear();
                out.extend(tmp.dense_bool.iter().map(|b| i64::from(*b)));
                true
            }
            Col::Str(_) | Col::None => false,
        }
    }

    /// The values of `docs` as doubles when every document of the segment has one;
    /// `false` otherwise.
    fn dense_f64(&self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<f64>) -> bool {
        match self {
            Col::F64(c) => dense(c, docs, out),
            Col::U64(c) => {
                if !dense(c, docs, &mut tmp.dense_u64) {
                    return false;
                }
                out.clear();
                out.extend(tmp.dense_u64.iter().map(|x| *x as f64));
                true
            }
            _ => {
                let mut ints = std::mem::take(&mut tmp.dense_i64);
                let ok = self.dense_i64(docs, tmp, &mut ints);
                if ok {
                    out.clear();
                    out.extend(ints.iter().map(|x| *x as f64));
                }
                tmp.dense_i64 = ints;
                ok
            }
        }
    }

    /// The values of single-valued `docs` as integers (dates in ms, booleans 0/1).
    fn block_i64(&self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<Option<i64>>) {
        match self {
            Col::I64(c) => fill(c, docs, out),
            Col::U64(c) => {
                fill(c, docs, &mut tmp.u64s);
                out.clear();
                out.extend(
                    tmp.u64s
                        .iter()
                        .map(|v| v.map(|x| i64::try_from(x).unwrap_or(i64::MAX))),
                );
            }
            Col::F64(c) => {
                fill(c, docs, &mut tmp.f64s);
                out.clear();
                out.extend(tmp.f64s.iter().map(|v| v.map(|x| x as i64)));
            }
            Col::Bool(c) => {
                fill(c, docs, &mut tmp.bools);
                out.clear();
                out.extend(tmp.bools.iter().map(|v| v.map(i64::from)));
            }
            Col::Date(c) => {
                fill(c, docs, &mut tmp.dates);
                out.clear();
                out.extend(tmp.dates.iter().map(|v| v.map(millis_of)));
            }
            Col::Str(_) | Col::None => {
                out.clear();
                out.resize(docs.len(), None);
            }
        }
    }

    /// The values of single-valued `docs` as doubles.
    fn block_f64(&self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<Option<f64>>) {
        match self {
            Col::F64(c) => fill(c, docs, out),
            Col::U64(c) => {
                fill(c, docs, &mut tmp.u64s);
                out.clear();
                out.extend(tmp.u64s.iter().map(|v| v.map(|x| x as f64)));
            }
            _ => {
                let mut ints = std::mem::take(&mut tmp.i64s);
                self.block_i64(docs, tmp, &mut ints);
                out.clear();
                out.extend(ints.iter().map(|v| v.map(|x| x as f64)));
                tmp.i64s = ints;
            }
        }
    }
}

/// How a numeric key is kept in 64 bits and given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumKind {
    Long,
    ULong,
    Double,
    Bool,
    Date,
}

impl NumKind {
    fn of(kind: FieldKind) -> Option<NumKind> {
        Some(match kind {
            FieldKind::Long => NumKind::Long,
            FieldKind::UnsignedLong => NumKind::ULong,
            FieldKind::Double => NumKind::Double,
            FieldKind::Boolean => NumKind::Bool,
            FieldKind::Date | FieldKind::DateNanos => NumKind::Date,
            _ => return None,
        })
    }

    fn key(self, bits: u64) -> BucketKey {
        match self {
            NumKind::Long | NumKind::Bool | NumKind::Date => BucketKey::Long(bits as i64),
            NumKind::ULong => BucketKey::ULong(bits),
            NumKind::Double => BucketKey::Double(f64::from_bits(bits)),
        }
    }
}

fn double_bits(v: f64) -> u64 {
    // -0.0 and 0.0 are one key, as Elasticsearch's doubles compare.
    if v == 0.0 { 0 } else { v.to_bits() }
}

/// Calls `f` with the key bits of each value of `doc`.
#[inline]
fn each_bits(col: &Col, kind: NumKind, doc: DocId, mut f: impl FnMut(u64)) -> usize {
    match (kind, col) {
        (NumKind::Double, _) => col.each_f64(doc, |v| f(double_bits(v))),
        (NumKind::ULong, Col::U64(c)) => {
            let mut n = 0;
            c.values_for_doc(doc).for_each(|v| {
                n += 1;
                f(v)
            });
            n
        }
        _ => col.each_i64(doc, |v| f(v as u64)),
    }
}

/// A `missing` value read for a field's type.
fn missing_number(
    plan: &Plan<'_>,
    source: &ValuesSource,
    kind: Option<FieldKind>,
) -> Result<Option<f64>> {
    let Some(m) = &source.missing else {
        return Ok(None);
    };
    let bad = |text: &str| StoreError::NumberFormat(format!("For input string: \"{text}\""));
    Ok(Some(match (kind, m) {
        (Some(FieldKind::Date | FieldKind::DateNanos), Value::String(s)) => {
            let tz = TimeZone::UTC;
            fmt::parse_date_bound(
                &Value::String(s.clone()),
                source.format.as_deref(),
                &tz,
                plan.now,
                false,
            )? as f64
        }
        (Some(FieldKind::Boolean), Value::String(s)) => match s.as_str() {
            "true" => 1.0,
            "false" | "" => 0.0,
            _ => {
                return Err(StoreError::IllegalArgument(format!(
                    "Failed to parse value [{s}] as only [true] or [false] are allowed."
                )));
            }
        },
        (_, Value::Bool(b)) => f64::from(u8::from(*b)),
        (_, Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        (_, Value::String(s)) => s.trim().parse::<f64>().map_err(|_| bad(s))?,
        (_, other) => return Err(bad(&other.to_string())),
    }))
}

fn missing_text(source: &ValuesSource) -> Option<String> {
    source.missing.as_ref().map(|m| match m {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The date format of a field's keys (`format` given, else the field's).
fn key_format(field: &FieldRef, source: &ValuesSource, tz: Option<&str>) -> KeyFormat {
    match field.kind() {
        Some(FieldKind::Date | FieldKind::DateNanos) => KeyFormat::Date {
            format: source.format.clone().or_else(|| field.date_format()),
            time_zone: tz.map(str::to_string),
        },
        Some(FieldKind::Boolean) => KeyFormat::Bool,
        Some(_) => match &source.format {
            Some(p) => KeyFormat::Decimal(p.clone()),
            None => KeyFormat::Raw,
        },
        None => KeyFormat::Raw,
    }
}

/// Strings interned per index, with their per-segment term ordinals.
#[derive(Default)]
struct Interner {
    ids: FxMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// Segment ordinal → id (`u32::MAX` until seen).
    seg: Vec<u32>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn new_segment(&mut self, col: &Col) {
        self.seg.clear();
        if let Col::Str(c) = col {
            self.seg.resize(c.dictionary().num_terms(), u32::MAX);
        }
    }

    /// The id of a segment term ordinal.
    #[inline(always)]
    fn of_ord(&mut self, col: &StrColumn, ord: u64) -> u32 {
        if let Some(&id) = self.seg.get(ord as usize)
            && id != u32::MAX
        {
            return id;
        }
        self.first_of_ord(col, ord)
    }

    /// A segment term ordinal's first sight: its string interned.
    #[cold]
    #[inline(never)]
    fn first_of_ord(&mut self, col: &StrColumn, ord: u64) -> u32 {
        let slot = ord as usize;
        let mut s = String::new();
        let _ = col.ord_to_str(ord, &mut s);
        let id = self.intern(&s);
        if let Some(x) = self.seg.get_mut(slot) {
            *x = id;
        }
        id
    }
}

/// A string-or-number key source: keyword and IP fields give interned ids, numbers their
/// bits, `_index` one constant id.
struct KeySource {
    field: FieldRef,
    num: Option<NumKind>,
    col: Col,
    strings: Interner,
    /// The key of documents without a value.
    missing: Option<u64>,
    index_id: u32,
}

impl KeySource {
    fn new(plan: &Plan<'_>, source: &ValuesSource) -> Result<KeySource> {
        let field = resolve(plan, source)?;
        let num = field.kind().and_then(NumKind::of);
        let mut strings = Interner::default();
        let index_id = strings.intern(&plan.shard.name);
        let missing = match (&source.missing, num) {
            (None, _) => None,
            (Some(_), Some(kind)) => {
                let v = missing_number(plan, source, field.kind())?.unwrap_or(0.0);
                Some(match kind {
                    NumKind::Double => double_bits(v),
                    NumKind::ULong => v as u64,
                    _ => v as i64 as u64,
                })
            }
            (Some(_), None) => {
                let text = missing_text(source).unwrap_or_default();
                let text = match field.kind() {
                    Some(FieldKind::Ip) => match text.parse::<std::net::IpAddr>() {
                        Ok(std::net::IpAddr::V4(v4)) => ip_to_hex(&v4.to_ipv6_mapped()),
                        Ok(std::net::IpAddr::V6(v6)) => ip_to_hex(&v6),
                        Err(_) => text,
                    },
                    _ => text,
                };
                Some(u64::from(strings.intern(&text)))
            }
        };
        Ok(KeySource {
            field,
            num,
            col: Col::None,
            strings,
            missing,
            index_id,
        })
    }

    fn set_segment(&mut self, reader: &SegmentReader) {
        self.col = Col::open(reader, &self.field);
        self.strings.new_segment(&self.col);
    }

    /// Calls `f` with each key of `doc` (the missing key when it has none).
    #[inline]
    fn each(&mut self, doc: DocId, mut f: impl FnMut(u64)) -> usize {
        let n = match (&self.field, self.num, &self.col) {
            (FieldRef::Index, _, _) => {
                f(u64::from(self.index_id));
                1
            }
            (_, Some(kind), col) => each_bits(col, kind, doc, &mut f),
            (_, None, Col::Str(c)) => {
                let mut n = 0;
                for ord in c.term_ords(doc) {
                    n += 1;
                    f(u64::from(self.strings.of_ord(c, ord)));
                }
                n
            }
            _ => 0,
        };
        if n == 0
            && let Some(m) = self.missing
        {
            f(m);
            return 1;
        }
        n
    }

    /// The keys of single-valued `docs` (the missing key for those without a value);
    /// `false` when the column is multi-valued and documents must be read one by one.
    fn block(&mut self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<Option<u64>>) -> bool {
        out.clear();
        let KeySource {
            field,
            num,
            col,
            strings,
            missing,
            index_id,
        } = self;
        match (&*field, *num, &*col) {
            (FieldRef::Index, _, _) => {
                out.resize(docs.len(), Some(u64::from(*index_id)));
                return true;
            }
            (_, _, col) if !col.single() => return false,
            (_, None, Col::Str(c)) => {
                fill(c.ords(), docs, &mut tmp.u64s);
                out.extend(
                    tmp.u64s
                        .iter()
                        .map(|o| o.map(|o| u64::from(strings.of_ord(c, o)))),
                );
            }
            (_, Some(NumKind::Double), col) => {
                let mut f = std::mem::take(&mut tmp.f64s);
                col.block_f64(docs, tmp, &mut f);
                out.extend(f.iter().map(|v| v.map(double_bits)));
                tmp.f64s = f;
            }
            (_, Some(NumKind::ULong), Col::U64(c)) => {
                fill(c, docs, &mut tmp.u64s);
                out.extend(tmp.u64s.iter().copied());
            }
            (_, Some(_), col) => {
                let mut ints = std::mem::take(&mut tmp.i64s);
                col.block_i64(docs, tmp, &mut ints);
                out.extend(ints.iter().map(|v| v.map(|x| x as u64)));
                tmp.i64s = ints;
            }
            _ => out.resize(docs.len(), None),
        }
        if let Some(m) = *missing {
            for o in out.iter_mut() {
                if o.is_none() {
                    *o = Some(m);
                }
            }
        }
        true
    }

    /// The keys of `docs` when every document of the segment has exactly one value (or
    /// the field is `_index`); `false` otherwise.
    fn dense(&mut self, docs: &[DocId], tmp: &mut Tmp, out: &mut Vec<u64>) -> bool {
        let KeySource {
            field,
            num,
            col,
            strings,
            index_id,
            ..
        } = self;
        match (&*field, *num, &*col) {
            (FieldRef::Index, _, _) => {
                out.clear();
                out.resize(docs.len(), u64::from(*index_id));
                true
            }
            (_, None, Col::Str(c)) => {
                if !dense(c.ords(), docs, out) {
                    return false;
                }
                for key in out.iter_mut() {
                    *key = u64::from(strings.of_ord(c, *key));
                }
                true
            }
            (_, Some(NumKind::Double), col) => {
                let mut f = std::mem::take(&mut tmp.dense_f64);
                let ok = col.dense_f64(docs, tmp, &mut f);
                if ok {
                    out.clear();
                    out.extend(f.iter().map(|v| double_bits(*v)));
                }
                tmp.dense_f64 = f;
                ok
            }
            (_, Some(NumKind::ULong), Col::U64(c)) => dense(c, docs, out),
            (_, Some(_), col) => {
                let mut ints = std::mem::take(&mut tmp.dense_i64);
                let ok = col.dense_i64(docs, tmp, &mut ints);
                if ok {
                    out.clear();
                    out.extend(ints.iter().map(|v| *v as u64));
                }
                tmp.dense_i64 = ints;
                ok
            }
            _ => false,
        }
    }

    /// A key as the response shows it.
    fn key(&self, bits: u64) -> BucketKey {
        match self.num {
            Some(kind) => kind.key(bits),
            None => {
                let s = self.strings.names.get(bits as usize).map_or("", |s| &**s);
                match self.field.kind() {
                    Some(FieldKind::Ip) => BucketKey::Str(
                        hex_to_ip(s).map_or_else(|| s.to_string(), |ip| ip.to_string()),
                    ),
                    _ => BucketKey::Str(s.to_string()),
                }
            }
        }
    }

    fn text(&self, bits: u64) -> &str {
        self.strings.names.get(bits as usize).map_or("", |s| &**s)
    }
}

// ---------------------------------------------------------------------------------------
// The collector tree

trait Agg {
    /// Opens this segment's columns.
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()>;
    /// Collects documents, each with the ordinal of the bucket owning it and its score.
    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]);
    /// The result for one owning bucket.
    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg>;
}

/// The sub-aggregations of a bucket aggregation (or the top level), with the buffers that
/// carry documents to them.
struct Subs<'a> {
    aggs: Vec<Option<Box<dyn Agg + 'a>>>,
    defs: &'a Aggregations,
    docs: Vec<DocId>,
    owners: Vec<u32>,
    scores: Vec<f32>,
}

impl<'a> Subs<'a> {
    fn new(plan: &mut Plan<'a>, defs: &'a Aggregations, top: bool) -> Result<Subs<'a>> {
        let mut aggs = Vec::with_capacity(defs.0.len());
        for def in &defs.0 {
            if let (AggKind::Composite(_), false) = (&def.kind, top) {
                return Err(StoreError::IllegalArgument(format!(
                    "[composite] aggregation cannot be used with a parent aggregation of type: [{}]",
                    "bucket"
                )));
            }
            aggs.push(if def.kind.is_pipeline() {
                None
            } else {
                Some(make(plan, def)?)
            });
        }
        Ok(Subs {
            aggs,
            defs,
            docs: Vec::with_capacity(64),
            owners: Vec::with_capacity(64),
            scores: Vec::with_capacity(64),
        })
    }

    fn is_empty(&self) -> bool {
        self.aggs.iter().all(Option::is_none)
    }

    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        for a in self.aggs.iter_mut().flatten() {
            a.set_segment(seg, reader)?;
        }
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        for a in self.aggs.iter_mut().flatten() {
            a.collect(docs, owners, scores);
        }
    }

    /// Hands `docs` on, each in the bucket `ords` gives it ([`NO_ORD`]: in none). When
    /// every document has a bucket (single-valued fields, the common case), the block is
    /// handed on as it is, without copying it.
    fn collect_ords(&mut self, docs: &[DocId], ords: &[u32], scores: &[f32]) {
        if !ords.contains(&NO_ORD) {
            self.collect(docs, ords, scores);
            return;
        }
        for ((&doc, &ord), &score) in docs.iter().zip(ords).zip(scores) {
            if ord != NO_ORD {
                self.push(doc, ord, score);
            }
        }
        self.flush();
    }

    /// Buffers one document for the sub-aggregations.
    #[inline]
    fn push(&mut self, doc: DocId, owner: u32, score: f32) {
        self.docs.push(doc);
        self.owners.push(owner);
        self.scores.push(score);
    }

    /// Hands the buffered documents on.
    fn flush(&mut self) {
        if self.docs.is_empty() {
            return;
        }
        let (docs, owners, scores) = (
            std::mem::take(&mut self.docs),
            std::mem::take(&mut self.owners),
            std::mem::take(&mut self.scores),
        );
        for a in self.aggs.iter_mut().flatten() {
            a.collect(&docs, &owners, &scores);
        }
        self.docs = docs;
        self.owners = owners;
        self.scores = scores;
        self.docs.clear();
        self.owners.clear();
        self.scores.clear();
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<Vec<InternalAgg>> {
        let mut out = Vec::with_capacity(self.aggs.len());
        for a in self.aggs.iter_mut() {
            out.push(match a {
                Some(a) => a.build(owner, ctx)?,
                None => InternalAgg::Pending,
            });
        }
        Ok(out)
    }

    fn empty(&self) -> Vec<InternalAgg> {
        crate::aggs::empty_results_of(self.defs)
    }
}

/// No bucket: a document that [`Subs::collect_ords`] does not hand on.
const NO_ORD: u32 = u32::MAX;

fn make<'a>(plan: &mut Plan<'a>, def: &'a AggDef) -> Result<Box<dyn Agg + 'a>> {
    Ok(match &def.kind {
        AggKind::Avg(s)
        | AggKind::Sum(s)
        | AggKind::Min(s)
        | AggKind::Max(s)
        | AggKind::Stats(s) => Box::new(NumMetric::new(plan, def, s)?),
        AggKind::ExtendedStats(s, _) => Box::new(NumMetric::new(plan, def, s)?),
        AggKind::Percentiles(p) => Box::new(NumMetric::new(plan, def, &p.source)?),
        AggKind::ValueCount(s) => Box::new(ValueCount {
            keys: KeySource::new(plan, s)?,
            counts: Vec::new(),
        }),
        AggKind::Cardinality(s, threshold) => Box::new(CardinalityAgg {
            keys: KeySource::new(plan, s)?,
            threshold: *threshold,
            sets: Vec::new(),
            hashes: Vec::new(),
            scratch: Vec::new(),
            seen: Vec::new(),
            tmp: Tmp::default(),
            block: Vec::new(),
        }),
        AggKind::Terms(t) => Box::new(TermsAgg::new(plan, def, t)?),
        AggKind::MultiTerms(t) => Box::new(MultiTerms::new(plan, def, t)?),
        AggKind::DateHistogram(_) | AggKind::Histogram(_) => Box::new(Histo::new(plan, def)?),
        AggKind::Range(_) => Box::new(RangeAgg::new(plan, def)?),
        AggKind::Filter(q) => Box::new(Filters::new(plan, def, vec![q], false)?),
        AggKind::Filters(f) => {
            let queries = f.filters.iter().map(|(_, q)| q).collect();
            Box::new(Filters::new(plan, def, queries, f.other_bucket)?)
        }
        AggKind::Missing(s) => Box::new(MissingAgg {
            keys: KeySource::new(
                plan,
                &ValuesSource {
                    missing: None,
                    ..s.clone()
                },
            )?,
            counts: Vec::new(),
            subs: Subs::new(plan, &def.subs, false)?,
        }),
        AggKind::Composite(_) => Box::new(Composite::new(plan, def)?),
        AggKind::TopHits(t) => {
            let window = t.from.saturating_add(t.size) as u64;
            if window > MAX_INNER_RESULT_WINDOW {
                return Err(StoreError::ShardIllegalArgument {
                    index: plan.shard.name.clone(),
                    reason: format!(
                        "Top hits result window is too large, the top hits aggregator [{}]'s from + size must be less than or equal to: [{MAX_INNER_RESULT_WINDOW}] but was [{window}]. This limit can be set by changing the [index.max_inner_result_window] index level setting.",
                        def.name
                    ),
                });
            }
            Box::new(TopHits::new(plan, def, t)?)
        }
        AggKind::TopMetrics(t) => Box::new(TopMetrics::new(plan, t)?),
        _ => {
            return Err(StoreError::IllegalArgument(format!(
                "[{}] cannot be collected",
                def.kind.type_name()
            )));
        }
    })
}

fn grow<T: Clone>(v: &mut Vec<T>, index: usize, fill: T) {
    if v.len() <= index {
        v.resize(index + 1, fill);
    }
}

// ---------------------------------------------------------------------------------------
// Metrics

/// `avg`, `sum`, `min`, `max`, `stats`, `extended_stats` and `percentiles`.
struct NumMetric<'a> {
    def: &'a AggDef,
    field: FieldRef,
    col: Col,
    missing: Option<f64>,
    format: KeyFormat,
    stats: Vec<Stats>,
    digests: Vec<Option<Digest>>,
    compression: f64,
    tmp: Tmp,
    values: Vec<Option<f64>>,
    dense: Vec<f64>,
}

impl<'a> NumMetric<'a> {
    fn new(plan: &Plan<'a>, def: &'a AggDef, source: &ValuesSource) -> Result<Self> {
        let field = numeric_field(plan, source, def.kind.type_name())?;
        let missing = missing_number(plan, source, field.kind())?;
        let format = match field.kind() {
            Some(FieldKind::Date | FieldKind::DateNanos) => KeyFormat::Date {
                format: source.format.clone().or_else(|| field.date_format()),
                time_zone: None,
            },
            Some(_) => source
                .format
                .clone()
                .map_or(KeyFormat::Raw, KeyFormat::Decimal),
            None => KeyFormat::Raw,
        };
        let compression = match &def.kind {
            AggKind::Percentiles(p) => p.compression,
            _ => 100.0,
        };
        Ok(Self {
            def,
            field,
            col: Col::None,
            missing,
            format,
            stats: Vec::new(),
            digests: Vec::new(),
            compression,
            tmp: Tmp::default(),
            values: Vec::new(),
            dense: Vec::new(),
        })
    }
}

impl Agg for NumMetric<'_> {
    fn set_segment(&mut self, _seg: u32, reader: &SegmentReader) -> Result<()> {
        self.col = Col::open(reader, &self.field);
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], _scores: &[f32]) {
        let percentiles = matches!(self.def.kind, AggKind::Percentiles(_));
        let mut dense = std::mem::take(&mut self.dense);
        if self.col.dense_f64(docs, &mut self.tmp, &mut dense) {
            // Every document has one value: no `missing`, no `Option`s.
            if let Some(&max) = owners.iter().max() {
                if percentiles {
                    grow(&mut self.digests, max as usize, None);
                } else {
                    grow(&mut self.stats, max as usize, Stats::default());
                }
            }
            let stats = &mut self.stats;
            match self.def.kind {
                AggKind::Percentiles(_) => {
                    let compression = self.compression;
                    let mut at = 0;
                    // Runs of one owner (the whole block at the top level) go in at once.
                    while at < owners.len() {
                        let owner = owners[at];
                        let run = owners[at..].iter().take_while(|o| **o == owner).count();
                        if let Some(slot) = self.digests.get_mut(owner as usize) {
                            slot.get_or_insert_with(|| Digest::new(compression))
                                .add_all(&dense[at..at + run]);
                        }
                        at += run;
                    }
                }
                AggKind::Avg(_) | AggKind::Sum(_) => {
                    for (&v, &owner) in dense.iter().zip(owners) {
                        stats[owner as usize].add_sum(v);
                    }
                }
                AggKind::Min(_) | AggKind::Max(_) => {
                    for (&v, &owner) in dense.iter().zip(owners) {
                        stats[owner as usize].add_min_max(v);
                    }
                }
                _ => {
                    for (&v, &owner) in dense.iter().zip(owners) {
                        stats[owner as usize].add(v);
                    }
                }
            }
            self.dense = dense;
            return;
        }
        self.dense = dense;
        if !percentiles && self.col.single() {
            let mut values = std::mem::take(&mut self.values);
            self.col.block_f64(docs, &mut self.tmp, &mut values);
            if let Some(&max) = owners.iter().max() {
                grow(&mut self.stats, max as usize, Stats::default());
            }
            let missing = self.missing;
            let stats = &mut self.stats;
            // Only what the response shows: Kahan's compensation is a serial chain per sum.
            match self.def.kind {
                AggKind::Avg(_) | AggKind::Sum(_) => {
                    for (v, &owner) in values.iter().zip(owners) {
                        if let Some(v) = v.or(missing) {
                            stats[owner as usize].add_sum(v);
                        }
                    }
                }
                AggKind::Min(_) | AggKind::Max(_) => {
                    for (v, &owner) in values.iter().zip(owners) {
                        if let Some(v) = v.or(missing) {
                            stats[owner as usize].add_min_max(v);
                        }
                    }
                }
                _ => {
                    for (v, &owner) in values.iter().zip(owners) {
                        if let Some(v) = v.or(missing) {
                            stats[owner as usize].add(v);
                        }
                    }
                }
            }
            self.values = values;
            return;
        }
        for (&doc, &owner) in docs.iter().zip(owners) {
            let o = owner as usize;
            if percentiles {
                grow(&mut self.digests, o, None);
                let compression = self.compression;
                let d = self.digests[o].get_or_insert_with(|| Digest::new(compression));
                let n = self.col.each_f64(doc, |v| d.add(v));
                if n == 0
                    && let Some(m) = self.missing
                {
                    d.add(m);
                }
            } else {
                grow(&mut self.stats, o, Stats::default());
                let s = &mut self.stats[o];
                let n = self.col.each_f64(doc, |v| s.add(v));
                if n == 0
                    && let Some(m) = self.missing
                {
                    s.add(m);
                }
            }
        }
    }

    fn build(&mut self, owner: u32, _ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let s = self.stats.get(owner as usize).copied().unwrap_or_default();
        let format = self.format.clone();
        Ok(match &self.def.kind {
            AggKind::Avg(_) => InternalAgg::Avg {
                sum: s.sum,
                count: s.count,
                format,
            },
            AggKind::Sum(_) => InternalAgg::Sum { sum: s.sum, format },
            AggKind::Min(_) => InternalAgg::Min {
                value: s.min,
                format,
            },
            AggKind::Max(_) => InternalAgg::Max {
                value: s.max,
                format,
            },
            AggKind::Percentiles(_) => InternalAgg::Percentiles {
                digest: self
                    .digests
                    .get_mut(owner as usize)
                    .and_then(Option::take)
                    .unwrap_or_else(|| Digest::new(self.compression)),
                format,
            },
            _ => InternalAgg::Stats { stats: s, format },
        })
    }
}

/// `value_count`.
struct ValueCount {
    keys: KeySource,
    counts: Vec<u64>,
}

impl Agg for ValueCount {
    fn set_segment(&mut self, _seg: u32, reader: &SegmentReader) -> Result<()> {
        self.keys.set_segment(reader);
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], _scores: &[f32]) {
        for (&doc, &owner) in docs.iter().zip(owners) {
            let n = match (&self.keys.field, &self.keys.col) {
                (FieldRef::Index, _) => 1,
                (_, col @ Col::Str(_)) => col.count(doc),
                (_, col) => col.count(doc),
            };
            let n = if n == 0 && self.keys.missing.is_some() {
                1
            } else {
                n
            };
            grow(&mut self.counts, owner as usize, 0);
            self.counts[owner as usize] += n as u64;
        }
    }

    fn build(&mut self, owner: u32, _ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        Ok(InternalAgg::ValueCount(
            self.counts.get(owner as usize).copied().unwrap_or(0),
        ))
    }
}

/// `cardinality`: hashes as Elasticsearch computes them (MurmurHash3 of strings, `mix64` of
/// numbers) into one sketch per bucket.
struct CardinalityAgg {
    keys: KeySource,
    threshold: u64,
    sets: Vec<Option<Cardinality>>,
    /// Hash per interned string id.
    hashes: Vec<u64>,
    scratch: Vec<u64>,
    /// Per bucket, the interned strings already counted.
    seen: Vec<Vec<u64>>,
    tmp: Tmp,
    block: Vec<Option<u64>>,
}

impl CardinalityAgg {
    fn add(&mut self, owner: u32, bits: u64) {
        let o = owner as usize;
        let threshold = self.threshold;
        grow(&mut self.sets, o, None);
        let string = self.keys.num.is_none();
        if string && bits < DENSE_KEYS {
            // A string already counted for this bucket costs one bit test.
            while self.seen.len() <= o {
                self.seen.push(Vec::new());
            }
            let words = &mut self.seen[o];
            let (w, b) = ((bits / 64) as usize, bits % 64);
            grow(words, w, 0);
            if words[w] & (1 << b) != 0 {
                return;
            }
            words[w] |= 1 << b;
        }
        let hash = if string {
            let id = bits as usize;
            while self.hashes.len() <= id {
                let text = self.keys.text(self.hashes.len() as u64);
                self.hashes
                    .push(crate::aggs::murmur3_x64_128_h1(text.as_bytes()));
            }
            self.hashes[id]
        } else {
            fmt::mix64(bits)
        };
        self.sets[o]
            .get_or_insert_with(|| Cardinality::new(threshold))
            .add(hash);
    }
}

impl Agg for CardinalityAgg {
    fn set_segment(&mut self, _seg: u32, reader: &SegmentReader) -> Result<()> {
        self.keys.set_segment(reader);
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], _scores: &[f32]) {
        let mut values = std::mem::take(&mut self.scratch);
        let mut block = std::mem::take(&mut self.block);
        if self.keys.block(docs, &mut self.tmp, &mut block) {
            for (i, k) in block.iter().enumerate() {
                if let Some(bits) = *k {
                    self.add(owners[i], bits);
                }
            }
        } else {
            for (&doc, &owner) in docs.iter().zip(owners) {
                values.clear();
                self.keys.each(doc, |bits| values.push(bits));
                for &bits in &values {
                    self.add(owner, bits);
                }
            }
        }
        self.scratch = values;
        self.block = block;
    }

    fn build(&mut self, owner: u32, _ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        Ok(InternalAgg::Cardinality(
            self.sets
                .get_mut(owner as usize)
                .and_then(Option::take)
                .unwrap_or_else(|| Cardinality::new(self.threshold)),
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Terms

/// Buckets keyed by `(owner, key)`, with their document counts.
///
/// Small keys (interned strings, a histogram's bucket numbers) find their ordinal in a
/// dense owners × keys table, one array read per document whatever the order in which
/// keys and owners alternate; other keys go through a hash map, with the last key of each
/// owner remembered (the documents of one owner arrive in index order and mostly share
/// their neighbour's key).
#[derive(Default)]
struct BucketMap {
    ords: FxMap<(u32, u64), u32>,
    counts: Vec<u64>,
    /// Per owner, its buckets' `(key, ord)`.
    by_owner: Vec<Vec<(u64, u32)>>,
    /// Per owner, its last large key and ordinal + 1 (0: none).
    recent: Vec<(u64, u32)>,
    /// Ordinal + 1 (0: none) at `owner * stride + key`, for keys below `stride` and
    /// owners below `dense.len() / stride`.
    dense: Vec<u32>,
    stride: usize,
}

/// The largest key [`BucketMap::dense`] holds.
const DENSE_KEYS: u64 = 1 << 16;

/// The most entries [`BucketMap::dense`] grows to (16 MiB); owners past it hash.
const DENSE_CELLS: usize = 1 << 22;

impl BucketMap {
    #[inline(always)]
    fn ord(&mut self, owner: u32, key: u64) -> u32 {
        if key < DENSE_KEYS {
            let k = key as usize;
            if k < self.stride
                && let Some(&o) = self.dense.get(owner as usize * self.stride + k)
                && o != 0
            {
                return o - 1;
            }
        } else if let Some(&(k, o)) = self.recent.get(owner as usize)
            && o != 0
            && k == key
        {
            return o - 1;
        }
        self.slow_ord(owner, key)
    }

    #[cold]
    #[inline(never)]
    fn slow_ord(&mut self, owner: u32, key: u64) -> u32 {
        let next = self.counts.len() as u32;
        let ord = *self.ords.entry((owner, key)).or_insert(next);
        if ord == next {
            self.counts.push(0);
            grow(&mut self.by_owner, owner as usize, Vec::new());
            self.by_owner[owner as usize].push((key, ord));
        }
        if key < DENSE_KEYS {
            if let Some(cell) = self.dense_cell(owner as usize, key as usize) {
                self.dense[cell] = ord + 1;
            }
        } else {
            grow(&mut self.recent, owner as usize, (0, 0));
            self.recent[owner as usize] = (key, ord + 1);
        }
        ord
    }

    /// The dense table's cell of `(owner, key)`, widening or lengthening the table for
    /// it while it stays within [`DENSE_CELLS`].
    fn dense_cell(&mut self, owner: usize, key: usize) -> Option<usize> {
        if key >= self.stride {
            let stride = (key + 1).next_power_of_two().max(16);
            let owners = self.dense.len() / self.stride.max(1);
            if owners.max(owner + 1).saturating_mul(stride) > DENSE_CELLS {
                return None;
            }
            let mut wider = vec![0u32; owners * stride];
            if self.stride > 0 {
                for (o, row) in self.dense.chunks_exact(self.stride).enumerate() {
                    wider[o * stride..o * stride + self.stride].copy_from_slice(row);
                }
            }
            self.dense = wider;
            self.stride = stride;
        }
        let cell = owner.checked_mul(self.stride)?.checked_add(key)?;
        if cell >= self.dense.len() {
            let owners = (owner + 1).max(self.dense.len() / self.stride * 2);
            let len = owners.saturating_mul(self.stride).min(DENSE_CELLS);
            if cell >= len {
                return None;
            }
            self.dense.resize(len, 0);
        }
        Some(cell)
    }

    fn owned(&self, owner: u32) -> &[(u64, u32)] {
        self.by_owner.get(owner as usize).map_or(&[], Vec::as_slice)
    }
}

/// A candidate bucket before ordering.
struct Cand {
    key: BucketKey,
    ord: u32,
    count: u64,
}

/// Orders candidates, keeps `shard_size` and builds their sub-aggregations: the shard side
/// of `terms` and `multi_terms`.
#[allow(clippy::too_many_arguments)]
fn finish_terms(
    mut cands: Vec<Cand>,
    order: &[BucketOrder],
    shard_size: usize,
    shard_min_doc_count: u64,
    subs: &mut Subs<'_>,
    defs: &Aggregations,
    formats: Vec<KeyFormat>,
    ctx: &BuildCtx<'_>,
) -> Result<TermsResult> {
    let total: u64 = cands.iter().map(|c| c.count).sum();
    cands.retain(|c| c.count >= shard_min_doc_count);
    let by_path = order.iter().any(|o| matches!(o, BucketOrder::Path { .. }));
    let mut buckets: Vec<Bucket> = Vec::new();
    if by_path {
        for c in cands {
            buckets.push(Bucket {
                key: c.key,
                doc_count: c.count,
                doc_count_error: 0,
                subs: subs.build(c.ord, ctx)?,
            });
        }
        crate::aggs::sort_buckets_by(defs, order, &mut buckets)?;
        buckets.truncate(shard_size);
    } else {
        let cmp = |a: &Cand, b: &Cand| {
            for o in order {
                let c = match o {
                    BucketOrder::Count { asc } => {
                        let c = a.count.cmp(&b.count);
                        if *asc { c } else { c.reverse() }
                    }
                    BucketOrder::Key { asc } => {
                        let c = a.key.key_cmp(&b.key);
                        if *asc { c } else { c.reverse() }
                    }
                    BucketOrder::Path { .. } => std::cmp::Ordering::Equal,
                };
                if c != std::cmp::Ordering::Equal {
                    return c;
                }
            }
            a.key.key_cmp(&b.key)
        };
        if cands.len() > shard_size {
            cands.select_nth_unstable_by(shard_size, cmp);
            cands.truncate(shard_size);
        }
        cands.sort_by(cmp);
        for c in cands {
            let sub = if subs.is_empty() {
                Vec::new()
            } else {
                subs.build(c.ord, ctx)?
            };
            buckets.push(Bucket {
                key: c.key,
                doc_count: c.count,
                doc_count_error: 0,
                subs: if subs.is_empty() { subs.empty() } else { sub },
            });
        }
    }
    let kept: u64 = buckets.iter().map(|b| b.doc_count).sum();
    Ok(TermsResult {
        buckets,
        sum_other_doc_count: total.saturating_sub(kept),
        doc_count_error_upper_bound: 0,
        formats,
        shard_size,
    })
}

/// Whether a term passes `include`/`exclude`.
struct TermFilter {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
    /// Per interned id: 0 unknown, 1 kept, 2 dropped.
    cache: Vec<u8>,
}

enum Matcher {
    Regex(regex::Regex),
    Strings(std::collections::HashSet<String>),
    Numbers(Vec<f64>),
    Partition(u32, u32),
}

impl Matcher {
    fn new(plan: &Plan<'_>, ie: &IncludeExclude, numeric: bool, name: &str) -> Result<Matcher> {
        Ok(match ie {
            IncludeExclude::Regex(r) => {
                if numeric {
                    return Err(StoreError::ShardIllegalArgument {
                        index: plan.shard.name.clone(),
                        reason: format!(
                            "Aggregation [{name}] cannot support regular expression style include/exclude settings as they can only be applied to string fields. Use an array of values for include/exclude clauses"
                        ),
                    });
                }
                Matcher::Regex(regex::Regex::new(&format!("^(?:{r})$")).map_err(|e| {
                    StoreError::IllegalArgument(format!("invalid regular expression [{r}]: {e}"))
                })?)
            }
            IncludeExclude::Values(values) if numeric => Matcher::Numbers(
                values
                    .iter()
                    .filter_map(|v| match v {
                        Value::Number(n) => n.as_f64(),
                        Value::String(s) => s.parse().ok(),
                        _ => None,
                    })
                    .collect(),
            ),
            IncludeExclude::Values(values) => Matcher::Strings(
                values
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            IncludeExclude::Partition {
                partition,
                num_partitions,
            } => Matcher::Partition(*partition, *num_partitions),
        })
    }

    fn matches_str(&self, s: &str) -> bool {
        match self {
            Matcher::Regex(r) => r.is_match(s),
            Matcher::Strings(set) => set.contains(s),
            Matcher::Numbers(_) => false,
            Matcher::Partition(p, n) => {
                let h = fmt::murmur3_x86_32(s.as_bytes(), 31) as i32;
                h.rem_euclid(*n as i32) as u32 == *p
            }
        }
    }

    fn matches_num(&self, key: &BucketKey) -> bool {
        let v = key.as_f64().unwrap_or(f64::NAN);
        match self {
            Matcher::Numbers(list) => list.contains(&v),
            Matcher::Partition(p, n) => {
                let bits = match key {
                    BucketKey::Double(d) => d.to_bits(),
                    BucketKey::Long(l) => *l as u64,
                    BucketKey::ULong(u) => *u,
                    _ => 0,
                };
                (fmt::mix64(bits) as i64).rem_euclid(i64::from(*n)) as u32 == *p
            }
            _ => true,
        }
    }
}

impl TermFilter {
    fn keep(&mut self, keys: &KeySource, bits: u64) -> bool {
        if self.include.is_none() && self.exclude.is_none() {
            return true;
        }
        if keys.num.is_some() {
            let key = keys.key(bits);
            return self.include.as_ref().is_none_or(|m| m.matches_num(&key))
                && !self.exclude.as_ref().is_some_and(|m| m.matches_num(&key));
        }
        let id = bits as usize;
        if let Some(&c) = self.cache.get(id)
            && c != 0
        {
            return c == 1;
        }
        let text = keys.text(bits);
        let shown = match keys.field.kind() {
            Some(FieldKind::Ip) => {
                hex_to_ip(text).map_or_else(|| text.to_string(), |i| i.to_string())
            }
            _ => text.to_string(),
        };
        let keep = self.include.as_ref().is_none_or(|m| m.matches_str(&shown))
            && !self.exclude.as_ref().is_some_and(|m| m.matches_str(&shown));
        grow(&mut self.cache, id, 0);
        self.cache[id] = if keep { 1 } else { 2 };
        keep
    }
}

/// `terms` over one field.
struct TermsAgg<'a> {
    def: &'a AggDef,
    spec: &'a crate::aggs::TermsAgg,
    keys: KeySource,
    filter: TermFilter,
    buckets: BucketMap,
    subs: Subs<'a>,
    format: KeyFormat,
    /// Every term seen in the segments' dictionaries (`min_doc_count: 0`).
    all_terms: Vec<u64>,
    scratch: Vec<u64>,
    tmp: Tmp,
    block: Vec<Option<u64>>,
    dense_keys: Vec<u64>,
    ords: Vec<u32>,
}

impl<'a> TermsAgg<'a> {
    fn new(plan: &mut Plan<'a>, def: &'a AggDef, spec: &'a crate::aggs::TermsAgg) -> Result<Self> {
        let keys = KeySource::new(plan, &spec.source)?;
        let numeric = keys.num.is_some();
        let filter = TermFilter {
            include: spec
                .include
                .as_ref()
                .map(|i| Matcher::new(plan, i, numeric, &def.name))
                .transpose()?,
            exclude: spec
                .exclude
                .as_ref()
                .map(|i| Matcher::new(plan, i, numeric, &def.name))
                .transpose()?,
            cache: Vec::new(),
        };
        let format = key_format(&keys.field, &spec.source, None);
        Ok(Self {
            def,
            spec,
            keys,
            filter,
            buckets: BucketMap::default(),
            subs: Subs::new(plan, &def.subs, false)?,
            format,
            all_terms: Vec::new(),
            scratch: Vec::new(),
            tmp: Tmp::default(),
            block: Vec::new(),
            dense_keys: Vec::new(),
            ords: Vec::new(),
        })
    }
}

impl Agg for TermsAgg<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.keys.set_segment(reader);
        if self.spec.min_doc_count == 0
            && let Col::Str(c) = &self.keys.col
        {
            let c = c.clone();
            for ord in 0..c.dictionary().num_terms() as u64 {
                let id = self.keys.strings.of_ord(&c, ord);
                self.all_terms.push(u64::from(id));
            }
        }
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        let unfiltered = self.filter.include.is_none() && self.filter.exclude.is_none();
        if unfiltered {
            let mut keys = std::mem::take(&mut self.dense_keys);
            if self.keys.dense(docs, &mut self.tmp, &mut keys) {
                let mut ords = std::mem::take(&mut self.ords);
                ords.clear();
                for (&key, &owner) in keys.iter().zip(owners) {
                    let ord = self.buckets.ord(owner, key);
                    self.buckets.counts[ord as usize] += 1;
                    ords.push(ord);
                }
                if has_subs {
                    self.subs.collect(docs, &ords, scores);
                }
                self.ords = ords;
                self.dense_keys = keys;
                return;
            }
            self.dense_keys = keys;
            let mut keys = std::mem::take(&mut self.block);
            if self.keys.block(docs, &mut self.tmp, &mut keys) {
                for (i, key) in keys.iter().enumerate() {
                    let Some(bits) = *key else { continue };
                    let ord = self.buckets.ord(owners[i], bits);
                    self.buckets.counts[ord as usize] += 1;
                    if has_subs {
                        self.subs.push(docs[i], ord, scores[i]);
                    }
                }
                self.block = keys;
                if has_subs {
                    self.subs.flush();
                }
                return;
            }
            self.block = keys;
        }
        let mut doc_keys = std::mem::take(&mut self.scratch);
        for i in 0..docs.len() {
            doc_keys.clear();
            // A value repeated in one document counts once.
            self.keys.each(docs[i], |b| {
                if !doc_keys.contains(&b) {
                    doc_keys.push(b)
                }
            });
            for &bits in &doc_keys {
                if !self.filter.keep(&self.keys, bits) {
                    continue;
                }
                let ord = self.buckets.ord(owners[i], bits);
                self.buckets.counts[ord as usize] += 1;
                if has_subs {
                    self.subs.push(docs[i], ord, scores[i]);
                }
            }
        }
        self.scratch = doc_keys;
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let mut cands: Vec<Cand> = self
            .buckets
            .owned(owner)
            .iter()
            .map(|&(bits, ord)| Cand {
                key: self.keys.key(bits),
                ord,
                count: self.buckets.counts[ord as usize],
            })
            .collect();
        if self.spec.min_doc_count == 0 {
            let present: std::collections::HashSet<u64> =
                self.buckets.owned(owner).iter().map(|(b, _)| *b).collect();
            let mut extra: Vec<u64> = self
                .all_terms
                .iter()
                .copied()
                .filter(|b| !present.contains(b))
                .collect();
            extra.sort_unstable();
            extra.dedup();
            for bits in extra {
                if self.filter.keep(&self.keys, bits) {
                    cands.push(Cand {
                        key: self.keys.key(bits),
                        ord: u32::MAX,
                        count: 0,
                    });
                }
            }
        }
        let result = finish_terms(
            cands,
            &self.spec.order,
            self.spec.effective_shard_size(),
            self.spec.shard_min_doc_count,
            &mut self.subs,
            &self.def.subs,
            vec![self.format.clone()],
            ctx,
        )?;
        Ok(InternalAgg::Terms(result))
    }
}

/// `multi_terms`: the cartesian product of each field's values.
struct MultiTerms<'a> {
    def: &'a AggDef,
    spec: &'a crate::aggs::MultiTermsAgg,
    sources: Vec<KeySource>,
    ords: FxMap<Box<[u64]>, u32>,
    keys: Vec<Box<[u64]>>,
    counts: Vec<u64>,
    subs: Subs<'a>,
    scratch: Vec<Vec<u64>>,
}

impl<'a> MultiTerms<'a> {
    fn new(
        plan: &mut Plan<'a>,
        def: &'a AggDef,
        spec: &'a crate::aggs::MultiTermsAgg,
    ) -> Result<Self> {
        let sources = spec
            .terms
            .iter()
            .map(|s| KeySource::new(plan, s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            def,
            spec,
            scratch: vec![Vec::new(); sources.len()],
            sources,
            ords: FxMap::default(),
            keys: Vec::new(),
            counts: Vec::new(),
            subs: Subs::new(plan, &def.subs, false)?,
        })
    }
}

/// Calls `f` with every combination of one value per list.
fn product(lists: &[Vec<u64>], prefix: &mut Vec<u64>, f: &mut dyn FnMut(&[u64])) {
    match lists.split_first() {
        None => f(prefix),
        Some((first, rest)) => {
            for v in first {
                prefix.push(*v);
                product(rest, prefix, f);
                prefix.pop();
            }
        }
    }
}

impl Agg for MultiTerms<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        for s in &mut self.sources {
            s.set_segment(reader);
        }
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        for i in 0..docs.len() {
            let doc = docs[i];
            let mut complete = true;
            for (s, out) in self.sources.iter_mut().zip(self.scratch.iter_mut()) {
                out.clear();
                s.each(doc, |b| {
                    if !out.contains(&b) {
                        out.push(b)
                    }
                });
                complete &= !out.is_empty();
            }
            if !complete {
                continue;
            }
            let mut prefix = vec![u64::from(owners[i])];
            let Self {
                ords,
                keys,
                counts,
                subs,
                scratch,
                ..
            } = self;
            product(scratch, &mut prefix, &mut |key| {
                let ord = match ords.get(key) {
                    Some(o) => *o,
                    None => {
                        let o = counts.len() as u32;
                        ords.insert(key.into(), o);
                        keys.push(key.into());
                        counts.push(0);
                        o
                    }
                };
                counts[ord as usize] += 1;
                if has_subs {
                    subs.push(doc, ord, scores[i]);
                }
            });
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let cands: Vec<Cand> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.first() == Some(&u64::from(owner)))
            .map(|(ord, k)| Cand {
                key: BucketKey::Multi(
                    k[1..]
                        .iter()
                        .zip(&self.sources)
                        .map(|(bits, s)| s.key(*bits))
                        .collect(),
                ),
                ord: ord as u32,
                count: self.counts[ord],
            })
            .collect();
        let formats = self
            .sources
            .iter()
            .zip(&self.spec.terms)
            .map(|(s, src)| key_format(&s.field, src, None))
            .collect();
        let shard_size = self.spec.shard_size.unwrap_or_else(|| {
            self.spec
                .size
                .saturating_add(self.spec.size / 2)
                .saturating_add(10)
        });
        let result = finish_terms(
            cands,
            &self.spec.order,
            shard_size,
            self.spec.shard_min_doc_count,
            &mut self.subs,
            &self.def.subs,
            formats,
            ctx,
        )?;
        Ok(InternalAgg::Terms(result))
    }
}

// ---------------------------------------------------------------------------------------
// Histograms

enum Rounder {
    Date(DateRounding),
    Number { interval: f64, offset: f64 },
}

/// A histogram's bucket keys numbered in order of first sight: the [`BucketMap`] of a
/// histogram is keyed by these small numbers, which its dense table holds.
#[derive(Default)]
struct KeyIds {
    ids: FxMap<u64, u32>,
    bits: Vec<u64>,
    /// The last key and its number + 1 (0: none).
    last: (u64, u32),
}

impl KeyIds {
    #[inline]
    fn id(&mut self, bits: u64) -> u32 {
        if self.last.1 != 0 && self.last.0 == bits {
            return self.last.1 - 1;
        }
        let next = self.bits.len() as u32;
        let id = *self.ids.entry(bits).or_insert(next);
        if id == next {
            self.bits.push(bits);
        }
        self.last = (bits, id + 1);
        id
    }
}

/// `histogram` and `date_histogram`.
struct Histo<'a> {
    field: FieldRef,
    col: Col,
    rounder: Rounder,
    missing: Option<f64>,
    hard: (Option<f64>, Option<f64>),
    extended: Option<(f64, f64)>,
    format: KeyFormat,
    buckets: BucketMap,
    keys: KeyIds,
    /// The epoch ms `[from, to)` of the last date bucket seen and its key number
    /// ([`NO_ORD`]: outside `hard_bounds`).
    span: (i64, i64, u32),
    subs: Subs<'a>,
    scratch: Vec<u64>,
    tmp: Tmp,
    values: Vec<Option<f64>>,
    ints: Vec<i64>,
    ords: Vec<u32>,
}

impl<'a> Histo<'a> {
    fn new(plan: &mut Plan<'a>, def: &'a AggDef) -> Result<Self> {
        let (source, agg) = match &def.kind {
            AggKind::DateHistogram(d) => (&d.source, "date_histogram"),
            AggKind::Histogram(h) => (&h.source, "histogram"),
            _ => return Err(StoreError::IllegalArgument("not a histogram".into())),
        };
        let field = numeric_field(plan, source, agg)?;
        let missing = missing_number(plan, source, field.kind())?;
        let (rounder, hard, extended, format) = match &def.kind {
            AggKind::DateHistogram(d) => {
                let tz = crate::aggs::time_zone_of(d.time_zone.as_deref())?;
                let rounding = DateRounding::new(d.interval.clone(), tz.clone(), d.offset)?;
                let bound = |v: &Option<Value>, up: bool| -> Result<Option<f64>> {
                    v.as_ref()
                        .map(|v| {
                            fmt::parse_date_bound(
                                v,
                                source.format.as_deref().or(field.date_format().as_deref()),
                                &tz,
                                plan.now,
                                up,
                            )
                            .map(|ms| ms as f64)
                        })
                        .transpose()
                };
                let hard = match &d.hard_bounds {
                    Some(b) => (bound(&b.min, false)?, bound(&b.max, true)?),
                    None => (None, None),
                };
                let extended = match &d.extended_bounds {
                    Some(b) => match (bound(&b.min, false)?, bound(&b.max, true)?) {
                        (Some(a), Some(z)) => Some((a, z)),
                        (Some(a), None) => Some((a, a)),
                        (None, Some(z)) => Some((z, z)),
                        _ => None,
                    },
                    None => None,
                };
                let format = match field.kind() {
                    Some(FieldKind::Date | FieldKind::DateNanos) | None => KeyFormat::Date {
                        format: source.format.clone().or_else(|| field.date_format()),
                        time_zone: d.time_zone.clone(),
                    },
                    Some(_) => source
                        .format
                        .clone()
                        .map_or(KeyFormat::Raw, KeyFormat::Decimal),
                };
                (Rounder::Date(rounding), hard, extended, format)
            }
            AggKind::Histogram(h) => (
                Rounder::Number {
                    interval: h.interval,
                    offset: h.offset,
                },
                h.hard_bounds.unwrap_or((None, None)),
                h.extended_bounds,
                source
                    .format
                    .clone()
                    .map_or(KeyFormat::Raw, KeyFormat::Decimal),
            ),
            _ => return Err(StoreError::IllegalArgument("not a histogram".into())),
        };
        Ok(Self {
            field,
            col: Col::None,
            rounder,
            missing,
            hard,
            extended,
            format,
            buckets: BucketMap::default(),
            keys: KeyIds::default(),
            span: (0, 0, NO_ORD),
            subs: Subs::new(plan, &def.subs, false)?,
            scratch: Vec::new(),
            tmp: Tmp::default(),
            values: Vec::new(),
            ints: Vec::new(),
            ords: Vec::new(),
        })
    }

    #[inline]
    fn key_of(&mut self, v: f64) -> Option<u64> {
        let key = match &mut self.rounder {
            Rounder::Date(r) => r.round(v as i64) as f64,
            Rounder::Number { interval, offset } => {
                ((v - *offset) / *interval).floor() * *interval + *offset
            }
        };
        if self.hard.0.is_some_and(|lo| key < lo) || self.hard.1.is_some_and(|hi| key > hi) {
            return None;
        }
        Some(match self.rounder {
            Rounder::Date(_) => key as i64 as u64,
            Rounder::Number { .. } => double_bits(key),
        })
    }
}

impl Agg for Histo<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.col = Col::open(reader, &self.field);
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        let date = matches!(self.rounder, Rounder::Date(_));
        if let Rounder::Date(rounding) = &mut self.rounder
            && self.col.dense_i64(docs, &mut self.tmp, &mut self.ints)
        {
            // Every document has one date: consecutive dates mostly share a bucket, so a
            // date inside the last bucket's span takes its key number without rounding.
            let (lo, hi) = (
                self.hard.0.map_or(i64::MIN, |v| v as i64),
                self.hard.1.map_or(i64::MAX, |v| v as i64),
            );
            let (mut from, mut to, mut id) = self.span;
            let ords = &mut self.ords;
            ords.clear();
            for (&v, &owner) in self.ints.iter().zip(owners) {
                if !(v >= from && v < to) {
                    let (key, f, t) = rounding.round_span(v);
                    (from, to) = (f, t);
                    id = if key < lo || key > hi {
                        NO_ORD
                    } else {
                        self.keys.id(key as u64)
                    };
                }
                if id == NO_ORD {
                    ords.push(NO_ORD);
                    continue;
                }
                let ord = self.buckets.ord(owner, u64::from(id));
                self.buckets.counts[ord as usize] += 1;
                ords.push(ord);
            }
            self.span = (from, to, id);
            if has_subs {
                let ords = std::mem::take(&mut self.ords);
                self.subs.collect_ords(docs, &ords, scores);
                self.ords = ords;
            }
            return;
        }
        if self.col.single()
            && let Rounder::Date(rounding) = &mut self.rounder
        {
            // Dates stay integers from the column to the key.
            let mut ints = std::mem::take(&mut self.tmp.i64s);
            self.col.block_i64(docs, &mut self.tmp, &mut ints);
            let missing = self.missing.map(|m| m as i64);
            let (lo, hi) = (
                self.hard.0.map_or(i64::MIN, |v| v as i64),
                self.hard.1.map_or(i64::MAX, |v| v as i64),
            );
            for (i, v) in ints.iter().enumerate() {
                let Some(v) = v.or(missing) else { continue };
                let key = rounding.round(v);
                if key < lo || key > hi {
                    continue;
                }
                let id = self.keys.id(key as u64);
                let ord = self.buckets.ord(owners[i], u64::from(id));
                self.buckets.counts[ord as usize] += 1;
                if has_subs {
                    self.subs.push(docs[i], ord, scores[i]);
                }
            }
            self.tmp.i64s = ints;
            if has_subs {
                self.subs.flush();
            }
            return;
        }
        if self.col.single() {
            let mut values = std::mem::take(&mut self.values);
            self.col.block_f64(docs, &mut self.tmp, &mut values);
            for (i, v) in values.iter().enumerate() {
                let Some(v) = v.or(self.missing) else {
                    continue;
                };
                let Some(key) = self.key_of(v) else { continue };
                let id = self.keys.id(key);
                let ord = self.buckets.ord(owners[i], u64::from(id));
                self.buckets.counts[ord as usize] += 1;
                if has_subs {
                    self.subs.push(docs[i], ord, scores[i]);
                }
            }
            self.values = values;
            if has_subs {
                self.subs.flush();
            }
            return;
        }
        let mut values: Vec<f64> = Vec::new();
        for i in 0..docs.len() {
            let (doc, owner) = (docs[i], owners[i]);
            values.clear();
            let n = if date {
                self.col.each_i64(doc, |v| values.push(v as f64))
            } else {
                self.col.each_f64(doc, |v| values.push(v))
            };
            if n == 0 {
                match self.missing {
                    Some(m) => values.push(m),
                    None => continue,
                }
            }
            // A document counts once per bucket, whatever the order of its values.
            let mut doc_keys = std::mem::take(&mut self.scratch);
            doc_keys.clear();
            for &v in &values {
                if let Some(key) = self.key_of(v)
                    && !doc_keys.contains(&key)
                {
                    doc_keys.push(key);
                }
            }
            for &key in &doc_keys {
                let id = self.keys.id(key);
                let ord = self.buckets.ord(owner, u64::from(id));
                self.buckets.counts[ord as usize] += 1;
                if has_subs {
                    self.subs.push(doc, ord, scores[i]);
                }
            }
            self.scratch = doc_keys;
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let date = matches!(self.rounder, Rounder::Date(_));
        let mut owned: Vec<(u64, u32)> = self
            .buckets
            .owned(owner)
            .iter()
            .map(|&(id, ord)| (self.keys.bits[id as usize], ord))
            .collect();
        if owned.len() as u64 > MAX_BUCKETS {
            return Err(StoreError::TooManyBuckets { max: MAX_BUCKETS });
        }
        owned.sort_by(|a, b| {
            if date {
                (a.0 as i64).cmp(&(b.0 as i64))
            } else {
                f64::from_bits(a.0).total_cmp(&f64::from_bits(b.0))
            }
        });
        let mut buckets = Vec::with_capacity(owned.len());
        for (bits, ord) in owned {
            buckets.push(Bucket {
                key: if date {
                    BucketKey::Long(bits as i64)
                } else {
                    BucketKey::Double(f64::from_bits(bits))
                },
                doc_count: self.buckets.counts[ord as usize],
                doc_count_error: 0,
                subs: self.subs.build(ord, ctx)?,
            });
        }
        Ok(InternalAgg::Histogram(HistogramResult {
            buckets,
            format: self.format.clone(),
            extended_bounds: self.extended,
            hard_bounds: self.hard,
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Ranges

struct ResolvedRange {
    key: String,
    from: Option<f64>,
    to: Option<f64>,
    from_as_string: Option<String>,
    to_as_string: Option<String>,
}

/// `range` and `date_range`.
struct RangeAgg<'a> {
    field: FieldRef,
    col: Col,
    missing: Option<f64>,
    ranges: Vec<ResolvedRange>,
    counts: Vec<u64>,
    subs: Subs<'a>,
    hit: Vec<bool>,
}

impl<'a> RangeAgg<'a> {
    fn new(plan: &mut Plan<'a>, def: &'a AggDef) -> Result<Self> {
        let AggKind::Range(spec) = &def.kind else {
            return Err(StoreError::IllegalArgument("not a range".into()));
        };
        let field = numeric_field(plan, &spec.source, def.kind.type_name())?;
        let missing = missing_number(plan, &spec.source, field.kind())?;
        let is_date =
            spec.date || matches!(field.kind(), Some(FieldKind::Date | FieldKind::DateNanos));
        let tz = crate::aggs::time_zone_of(spec.time_zone.as_deref())?;
        let date_format = spec.source.format.clone().or_else(|| field.date_format());
        let printer = if is_date {
            Some(fmt::DatePrinter::new(date_format.as_deref(), tz.clone())?)
        } else {
            None
        };
        let decimal = match (&spec.source.format, is_date) {
            (Some(p), false) => Some(fmt::DecimalPattern::new(p)?),
            _ => None,
        };
        let bound =
            |v: &Option<Value>, up: bool| -> Result<Option<f64>> {
                match v {
                    None => Ok(None),
                    Some(v) if is_date => {
                        fmt::parse_date_bound(v, date_format.as_deref(), &tz, plan.now, up)
                            .map(|ms| Some(ms as f64))
                    }
                    Some(Value::Number(n)) => Ok(n.as_f64()),
                    Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| {
                        StoreError::NumberFormat(format!("For input string: \"{s}\""))
                    }),
                    Some(_) => Ok(None),
                }
            };
        let show = |v: f64| -> String {
            match (&printer, &decimal) {
                (Some(p), _) => p.format(v as i64),
                (None, Some(d)) => d.format(v),
                _ => crate::aggs::java_double(v),
            }
        };
        let mut ranges = Vec::with_capacity(spec.ranges.len());
        for r in &spec.ranges {
            let from = bound(&r.from, false)?;
            let to = bound(&r.to, false)?;
            let key = r.key.clone().unwrap_or_else(|| {
                format!(
                    "{}-{}",
                    from.map_or("*".to_string(), show),
                    to.map_or("*".to_string(), show)
                )
            });
            let formatted = printer.is_some() || decimal.is_some();
            ranges.push(ResolvedRange {
                key,
                from,
                to,
                from_as_string: from.filter(|_| formatted).map(show),
                to_as_string: to.filter(|_| formatted).map(show),
            });
        }
        // Elasticsearch keeps ranges sorted by `from`, then `to`.
        ranges.sort_by(|a, b| {
            a.from
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.from.unwrap_or(f64::NEG_INFINITY))
                .then(
                    a.to.unwrap_or(f64::INFINITY)
                        .total_cmp(&b.to.unwrap_or(f64::INFINITY)),
                )
        });
        let n = ranges.len();
        Ok(Self {
            field,
            col: Col::None,
            missing,
            ranges,
            counts: Vec::new(),
            subs: Subs::new(plan, &def.subs, false)?,
            hit: vec![false; n],
        })
    }
}

impl Agg for RangeAgg<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.col = Col::open(reader, &self.field);
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        let n = self.ranges.len();
        for i in 0..docs.len() {
            let (doc, owner) = (docs[i], owners[i]);
            self.hit.iter_mut().for_each(|h| *h = false);
            let ranges = &self.ranges;
            let hit = &mut self.hit;
            let mut mark = |v: f64| {
                for (j, r) in ranges.iter().enumerate() {
                    if r.from.is_none_or(|f| v >= f) && r.to.is_none_or(|t| v < t) {
                        hit[j] = true;
                    }
                }
            };
            let count = self.col.each_f64(doc, &mut mark);
            if count == 0 {
                match self.missing {
                    Some(m) => mark(m),
                    None => continue,
                }
            }
            for j in 0..n {
                if self.hit[j] {
                    let ord = owner as usize * n + j;
                    grow(&mut self.counts, ord, 0);
                    self.counts[ord] += 1;
                    if has_subs {
                        self.subs.push(doc, ord as u32, scores[i]);
                    }
                }
            }
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let n = self.ranges.len();
        let mut buckets = Vec::with_capacity(n);
        for j in 0..n {
            let ord = owner as usize * n + j;
            let r = &self.ranges[j];
            buckets.push(RangeBucket {
                key: r.key.clone(),
                from: r.from,
                to: r.to,
                from_as_string: r.from_as_string.clone(),
                to_as_string: r.to_as_string.clone(),
                doc_count: self.counts.get(ord).copied().unwrap_or(0),
                subs: self.subs.build(ord as u32, ctx)?,
            });
        }
        Ok(InternalAgg::Range(RangeResult { buckets }))
    }
}

// ---------------------------------------------------------------------------------------
// Filters and missing

/// `filter` (one query, its bucket ordinal the owner's) and `filters`.
struct Filters<'a> {
    def: &'a AggDef,
    weights: Vec<Box<dyn Weight>>,
    scorers: Vec<Option<Box<dyn Scorer>>>,
    other: bool,
    single: bool,
    counts: Vec<u64>,
    subs: Subs<'a>,
}

impl<'a> Filters<'a> {
    fn new(
        plan: &mut Plan<'a>,
        def: &'a AggDef,
        queries: Vec<&crate::query::Query>,
        other: bool,
    ) -> Result<Self> {
        let single = matches!(def.kind, AggKind::Filter(_));
        let mut weights = Vec::with_capacity(queries.len());
        for q in queries {
            let compiled = plan.compiler.compile(q)?;
            weights.push(
                compiled
                    .weight(EnableScoring::disabled_from_searcher(plan.searcher))
                    .map_err(tantivy_err)?,
            );
        }
        Ok(Self {
            def,
            scorers: Vec::new(),
            weights,
            other,
            single,
            counts: Vec::new(),
            subs: Subs::new(plan, &def.subs, false)?,
        })
    }

    fn width(&self) -> usize {
        self.weights.len() + usize::from(self.other)
    }
}

#[inline]
fn matches(scorer: &mut Option<Box<dyn Scorer>>, doc: DocId) -> bool {
    let Some(s) = scorer else { return false };
    let mut at = s.doc();
    if at < doc {
        at = s.seek(doc);
    }
    at == doc && at != TERMINATED
}

impl Agg for Filters<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.scorers = self
            .weights
            .iter()
            .map(|w| w.scorer(reader, 1.0).ok())
            .collect();
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        let width = self.width();
        let nq = self.weights.len();
        for i in 0..docs.len() {
            let (doc, owner) = (docs[i], owners[i]);
            let mut any = false;
            for j in 0..nq {
                if matches(&mut self.scorers[j], doc) {
                    any = true;
                    let ord = if self.single {
                        owner as usize
                    } else {
                        owner as usize * width + j
                    };
                    grow(&mut self.counts, ord, 0);
                    self.counts[ord] += 1;
                    if has_subs {
                        self.subs.push(doc, ord as u32, scores[i]);
                    }
                }
            }
            if self.other && !any {
                let ord = owner as usize * width + nq;
                grow(&mut self.counts, ord, 0);
                self.counts[ord] += 1;
                if has_subs {
                    self.subs.push(doc, ord as u32, scores[i]);
                }
            }
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        if self.single {
            return Ok(InternalAgg::Single {
                doc_count: self.counts.get(owner as usize).copied().unwrap_or(0),
                subs: self.subs.build(owner, ctx)?,
            });
        }
        let AggKind::Filters(spec) = &self.def.kind else {
            return Ok(InternalAgg::Pending);
        };
        let width = self.width();
        let mut buckets = Vec::with_capacity(width);
        let names = spec
            .filters
            .iter()
            .map(|(n, _)| n.clone())
            .chain(self.other.then(|| Some(spec.other_bucket_key.clone())));
        for (j, name) in names.enumerate() {
            let ord = owner as usize * width + j;
            buckets.push(Bucket {
                key: name.map_or(BucketKey::Null, BucketKey::Str),
                doc_count: self.counts.get(ord).copied().unwrap_or(0),
                doc_count_error: 0,
                subs: self.subs.build(ord as u32, ctx)?,
            });
        }
        Ok(InternalAgg::Filters(FiltersResult { buckets }))
    }
}

/// `missing`: documents without a value.
struct MissingAgg<'a> {
    keys: KeySource,
    counts: Vec<u64>,
    subs: Subs<'a>,
}

impl Agg for MissingAgg<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.keys.set_segment(reader);
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        for i in 0..docs.len() {
            let (doc, owner) = (docs[i], owners[i]);
            let has = match (&self.keys.field, &self.keys.col) {
                (FieldRef::Index, _) => true,
                (_, col) => col.count(doc) > 0,
            };
            if !has {
                grow(&mut self.counts, owner as usize, 0);
                self.counts[owner as usize] += 1;
                if has_subs {
                    self.subs.push(doc, owner, scores[i]);
                }
            }
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        Ok(InternalAgg::Single {
            doc_count: self.counts.get(owner as usize).copied().unwrap_or(0),
            subs: self.subs.build(owner, ctx)?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Composite

/// The key bits of a `null` part (`missing_bucket`).
const NULL_PART: u64 = u64::MAX;

struct CompositePart {
    keys: KeySource,
    rounder: Option<Rounder>,
    asc: bool,
    missing_bucket: bool,
    format: KeyFormat,
    values: Vec<u64>,
}

impl CompositePart {
    fn key(&self, bits: u64) -> BucketKey {
        if bits == NULL_PART && self.missing_bucket {
            return BucketKey::Null;
        }
        match &self.rounder {
            Some(Rounder::Date(_)) => BucketKey::Long(bits as i64),
            Some(Rounder::Number { .. }) => BucketKey::Double(f64::from_bits(bits)),
            None => self.keys.key(bits),
        }
    }
}

/// `composite`: every key combination after `after`, the first `size` in key order.
struct Composite<'a> {
    spec: &'a crate::aggs::CompositeAgg,
    parts: Vec<CompositePart>,
    ords: FxMap<Box<[u64]>, u32>,
    keys: Vec<Box<[u64]>>,
    counts: Vec<u64>,
    subs: Subs<'a>,
    after: Option<Vec<BucketKey>>,
}

impl<'a> Composite<'a> {
    fn new(plan: &mut Plan<'a>, def: &'a AggDef) -> Result<Self> {
        let AggKind::Composite(spec) = &def.kind else {
            return Err(StoreError::IllegalArgument("not a composite".into()));
        };
        let mut parts = Vec::with_capacity(spec.sources.len());
        for s in &spec.sources {
            let keys = KeySource::new(plan, &s.source)?;
            let (rounder, format) = match &s.kind {
                CompositeSourceKind::Terms => (None, key_format(&keys.field, &s.source, None)),
                CompositeSourceKind::Histogram(interval) => (
                    Some(Rounder::Number {
                        interval: *interval,
                        offset: 0.0,
                    }),
                    KeyFormat::Raw,
                ),
                CompositeSourceKind::DateHistogram {
                    interval,
                    time_zone,
                    offset,
                } => {
                    let tz = crate::aggs::time_zone_of(time_zone.as_deref())?;
                    (
                        Some(Rounder::Date(DateRounding::new(
                            interval.clone(),
                            tz,
                            *offset,
                        )?)),
                        KeyFormat::Date {
                            format: s.source.format.clone(),
                            time_zone: time_zone.clone(),
                        },
                    )
                }
            };
            if rounder.is_some()
                && let Some(k) = keys.field.kind()
                && !is_numeric(k)
            {
                return Err(unsupported(
                    plan,
                    s.source.field.as_deref().unwrap_or_default(),
                    k,
                    "composite",
                ));
            }
            parts.push(CompositePart {
                keys,
                rounder,
                asc: s.asc,
                missing_bucket: s.missing_bucket,
                format,
                values: Vec::new(),
            });
        }
        let after = match &spec.after {
            None => None,
            Some(after) => {
                let mut keys = Vec::with_capacity(spec.sources.len());
                for s in &spec.sources {
                    let v = after.get(&s.name).ok_or_else(|| {
                        StoreError::IllegalArgument(format!("Missing value for [after.{}]", s.name))
                    })?;
                    keys.push(match v {
                        Value::Null => BucketKey::Null,
                        Value::String(t) => match &s.kind {
                            CompositeSourceKind::DateHistogram { .. } => {
                                BucketKey::Long(fmt::parse_date_bound(
                                    v,
                                    s.source.format.as_deref(),
                                    &TimeZone::UTC,
                                    plan.now,
                                    false,
                                )?)
                            }
                            _ => BucketKey::Str(t.clone()),
                        },
                        Value::Bool(b) => BucketKey::Long(i64::from(*b)),
                        Value::Number(n) => match (&s.kind, n.as_i64()) {
                            (CompositeSourceKind::Histogram(_), _) => {
                                BucketKey::Double(n.as_f64().unwrap_or(0.0))
                            }
                            (_, Some(i)) => BucketKey::Long(i),
                            (_, None) => BucketKey::Double(n.as_f64().unwrap_or(0.0)),
                        },
                        other => {
                            return Err(StoreError::IllegalArgument(format!(
                                "invalid value for [after.{}]: {other}",
                                s.name
                            )));
                        }
                    });
                }
                Some(keys)
            }
        };
        Ok(Self {
            spec,
            parts,
            ords: FxMap::default(),
            keys: Vec::new(),
            counts: Vec::new(),
            subs: Subs::new(plan, &def.subs, false)?,
            after,
        })
    }

    fn bucket_key(&self, bits: &[u64]) -> BucketKey {
        BucketKey::Multi(
            bits.iter()
                .zip(&self.parts)
                .map(|(b, p)| p.key(*b))
                .collect(),
        )
    }

    fn cmp_keys(&self, a: &BucketKey, b: &BucketKey) -> std::cmp::Ordering {
        if let (BucketKey::Multi(x), BucketKey::Multi(y)) = (a, b) {
            for ((p, q), part) in x.iter().zip(y).zip(&self.parts) {
                let o = p.key_cmp(q);
                let o = if part.asc { o } else { o.reverse() };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
        }
        std::cmp::Ordering::Equal
    }
}

impl Agg for Composite<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        for p in &mut self.parts {
            p.keys.set_segment(reader);
        }
        self.subs.set_segment(seg, reader)
    }

    fn collect(&mut self, docs: &[DocId], _owners: &[u32], scores: &[f32]) {
        let has_subs = !self.subs.is_empty();
        for i in 0..docs.len() {
            let doc = docs[i];
            let mut complete = true;
            for p in &mut self.parts {
                let mut values = std::mem::take(&mut p.values);
                values.clear();
                let rounder = &mut p.rounder;
                let date = matches!(rounder, Some(Rounder::Date(_)));
                match rounder {
                    None => {
                        p.keys.each(doc, |b| {
                            if !values.contains(&b) {
                                values.push(b)
                            }
                        });
                    }
                    Some(r) => {
                        let mut raw: Vec<f64> = Vec::new();
                        if date {
                            p.keys.col.each_i64(doc, |v| raw.push(v as f64));
                        } else {
                            p.keys.col.each_f64(doc, |v| raw.push(v));
                        }
                        for v in raw {
                            let b = match r {
                                Rounder::Date(d) => d.round(v as i64) as u64,
                                Rounder::Number { interval, offset } => double_bits(
                                    ((v - *offset) / *interval).floor() * *interval + *offset,
                                ),
                            };
                            if !values.contains(&b) {
                                values.push(b);
                            }
                        }
                    }
                }
                if values.is_empty() {
                    if p.missing_bucket {
                        values.push(NULL_PART);
                    } else {
                        complete = false;
                    }
                }
                p.values = values;
            }
            if !complete {
                continue;
            }
            let lists: Vec<Vec<u64>> = self.parts.iter().map(|p| p.values.clone()).collect();
            let mut combos: Vec<Vec<u64>> = Vec::new();
            product(&lists, &mut Vec::new(), &mut |k| combos.push(k.to_vec()));
            for key in combos {
                if let Some(after) = &self.after {
                    let bk = self.bucket_key(&key);
                    if self.cmp_keys(&bk, &BucketKey::Multi(after.clone()))
                        != std::cmp::Ordering::Greater
                    {
                        continue;
                    }
                }
                let ord = match self.ords.get(key.as_slice()) {
                    Some(o) => *o,
                    None => {
                        let o = self.counts.len() as u32;
                        self.ords.insert(key.clone().into(), o);
                        self.keys.push(key.into());
                        self.counts.push(0);
                        o
                    }
                };
                self.counts[ord as usize] += 1;
                if has_subs {
                    self.subs.push(doc, ord, scores[i]);
                }
            }
        }
        if has_subs {
            self.subs.flush();
        }
    }

    fn build(&mut self, _owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let mut cands: Vec<(BucketKey, u32)> = self
            .keys
            .iter()
            .enumerate()
            .map(|(ord, k)| (self.bucket_key(k), ord as u32))
            .collect();
        cands.sort_by(|a, b| self.cmp_keys(&a.0, &b.0));
        cands.truncate(self.spec.size);
        let mut buckets = Vec::with_capacity(cands.len());
        for (key, ord) in cands {
            buckets.push(Bucket {
                key,
                doc_count: self.counts[ord as usize],
                doc_count_error: 0,
                subs: self.subs.build(ord, ctx)?,
            });
        }
        Ok(InternalAgg::Composite(CompositeResult {
            buckets,
            formats: self.parts.iter().map(|p| p.format.clone()).collect(),
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Top hits and top metrics

/// How one sort criterion reads a document.
// A handful per request: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum SortSrc {
    Score,
    Doc,
    Field {
        field: FieldRef,
        col: Col,
        num: Option<NumKind>,
        desc: bool,
        missing: Option<SortKey>,
        date_format: Option<String>,
    },
}

fn sort_sources(plan: &Plan<'_>, sort: &[SortSpec]) -> Result<Vec<SortSrc>> {
    let mut out = Vec::with_capacity(sort.len().max(1));
    if sort.is_empty() {
        out.push(SortSrc::Score);
    }
    for s in sort {
        out.push(match &s.by {
            SortBy::Score => SortSrc::Score,
            SortBy::Doc | SortBy::ShardDoc => SortSrc::Doc,
            SortBy::Field(f) => {
                let field = resolve(
                    plan,
                    &ValuesSource {
                        field: Some(f.clone()),
                        ..ValuesSource::default()
                    },
                )?;
                if matches!(field, FieldRef::Unmapped) && s.unmapped_type.is_none() {
                    return Err(StoreError::QueryShard {
                        index: plan.shard.name.clone(),
                        uuid: plan.shard.uuid.clone(),
                        reason: format!("No mapping found for [{f}] in order to sort on"),
                    });
                }
                let num = field.kind().and_then(NumKind::of);
                let missing = match &s.missing {
                    Missing::Value(v) => Some(match v {
                        crate::query::Scalar::Long(n) => SortKey::I64(*n),
                        crate::query::Scalar::Double(d) => SortKey::F64(*d),
                        crate::query::Scalar::Bool(b) => SortKey::I64(i64::from(*b)),
                        crate::query::Scalar::String(t) => match t.parse::<i64>() {
                            Ok(n) if num.is_some() => SortKey::I64(n),
                            _ => SortKey::Str(t.clone()),
                        },
                    }),
                    _ => None,
                };
                SortSrc::Field {
                    date_format: s.format.clone(),
                    field,
                    col: Col::None,
                    num,
                    desc: s.order == SortOrder::Desc,
                    missing,
                }
            }
        });
    }
    Ok(out)
}

fn sort_key(src: &SortSrc, seg: u32, doc: DocId, score: f32) -> SortKey {
    match src {
        SortSrc::Score => SortKey::F64(f64::from(score)),
        SortSrc::Doc => SortKey::I64(((i64::from(seg)) << 32) | i64::from(doc)),
        SortSrc::Field {
            col,
            num,
            desc,
            missing,
            ..
        } => {
            let mut best: Option<SortKey> = None;
            let mut consider = |k: SortKey| {
                let better = match &best {
                    None => true,
                    Some(b) => {
                        let o = crate::aggs::compare_sort(
                            &[(false, false)],
                            std::slice::from_ref(&k),
                            std::slice::from_ref(b),
                        );
                        if *desc {
                            o == std::cmp::Ordering::Greater
                        } else {
                            o == std::cmp::Ordering::Less
                        }
                    }
                };
                if better {
                    best = Some(k);
                }
            };
            match (num, col) {
                (Some(NumKind::Double), c) => {
                    c.each_f64(doc, |v| consider(SortKey::F64(v)));
                }
                (Some(NumKind::ULong), Col::U64(c)) => {
                    c.values_for_doc(doc)
                        .for_each(|v| consider(SortKey::U64(v)));
                }
                (Some(_), c) => {
                    c.each_i64(doc, |v| consider(SortKey::I64(v)));
                }
                (None, Col::Str(c)) => {
                    for ord in c.term_ords(doc) {
                        let mut s = String::new();
                        if c.ord_to_str(ord, &mut s).unwrap_or(false) {
                            consider(SortKey::Str(s));
                        }
                    }
                }
                _ => {}
            }
            best.or_else(|| missing.clone()).unwrap_or(SortKey::Missing)
        }
    }
}

fn sort_json(src: &SortSrc, key: &SortKey, missing_first: bool) -> Value {
    let (field, desc, date_format) = match src {
        SortSrc::Field {
            field,
            desc,
            date_format,
            ..
        } => (Some(field), *desc, date_format.as_deref()),
        _ => (None, false, None),
    };
    match key {
        SortKey::Missing => match field.and_then(FieldRef::kind) {
            Some(k) if NumKind::of(k).is_some() => {
                let high = missing_first == desc;
                Value::from(if high { i64::MAX } else { i64::MIN })
            }
            _ => Value::Null,
        },
        SortKey::I64(v) => match (field.and_then(FieldRef::kind), date_format) {
            (Some(FieldKind::Date | FieldKind::DateNanos), Some(f)) => {
                fmt::DatePrinter::new(Some(f), TimeZone::UTC)
                    .map_or(Value::from(*v), |p| Value::from(p.format(*v)))
            }
            _ => Value::from(*v),
        },
        SortKey::U64(v) => Value::from(*v),
        SortKey::F64(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        SortKey::Str(s) => match field.and_then(FieldRef::kind) {
            Some(FieldKind::Ip) => {
                Value::from(hex_to_ip(s).map_or_else(|| s.clone(), |ip| ip.to_string()))
            }
            _ => Value::from(s.clone()),
        },
    }
}

/// A candidate of a top-k: its sort keys (the first inline, so that single-criterion sorts
/// allocate nothing), score and address.
struct Cand2 {
    first: SortKey,
    rest: Vec<SortKey>,
    score: f32,
    seg: u32,
    doc: u32,
}

impl Cand2 {
    fn keys(&self) -> Vec<SortKey> {
        let mut v = Vec::with_capacity(1 + self.rest.len());
        v.push(self.first.clone());
        v.extend(self.rest.iter().cloned());
        v
    }
}

/// Compares a candidate's keys with `keys` under `slots`.
fn cmp_cand(slots: &[(bool, bool)], c: &Cand2, keys: &[SortKey]) -> std::cmp::Ordering {
    let Some((k0, rest)) = keys.split_first() else {
        return std::cmp::Ordering::Equal;
    };
    let o = compare_sort(
        &slots[..slots.len().min(1)],
        std::slice::from_ref(&c.first),
        std::slice::from_ref(k0),
    );
    if o != std::cmp::Ordering::Equal || slots.len() < 2 {
        return o;
    }
    compare_sort(&slots[1..], &c.rest, rest)
}

/// The best `k` documents per bucket, each bucket's list kept sorted.
struct TopK {
    slots: Vec<(bool, bool)>,
    k: usize,
    per_owner: Vec<Vec<Cand2>>,
    totals: Vec<u64>,
    max_scores: Vec<f32>,
}

impl TopK {
    fn new(slots: Vec<(bool, bool)>, k: usize) -> Self {
        Self {
            slots,
            k,
            per_owner: Vec::new(),
            totals: Vec::new(),
            max_scores: Vec::new(),
        }
    }

    /// Offers a document; documents arrive in index order, so a later one loses ties.
    fn offer(&mut self, owner: usize, keys: &[SortKey], score: f32, seg: u32, doc: u32) {
        grow(&mut self.totals, owner, 0);
        grow(&mut self.max_scores, owner, f32::NEG_INFINITY);
        self.totals[owner] += 1;
        if score > self.max_scores[owner] {
            self.max_scores[owner] = score;
        }
        if self.k == 0 {
            return;
        }
        while self.per_owner.len() <= owner {
            self.per_owner.push(Vec::new());
        }
        let slots = &self.slots;
        let list = &mut self.per_owner[owner];
        if list.len() >= self.k {
            let worst = &list[list.len() - 1];
            if cmp_cand(slots, worst, keys) != std::cmp::Ordering::Greater {
                return;
            }
            list.pop();
        }
        let pos = list.partition_point(|c| cmp_cand(slots, c, keys) != std::cmp::Ordering::Greater);
        let Some((first, rest)) = keys.split_first() else {
            return;
        };
        list.insert(
            pos,
            Cand2 {
                first: first.clone(),
                rest: rest.to_vec(),
                score,
                seg,
                doc,
            },
        );
    }

    fn take(&mut self, owner: usize) -> (Vec<Cand2>, u64, f32) {
        let list = self
            .per_owner
            .get_mut(owner)
            .map(std::mem::take)
            .unwrap_or_default();
        (
            list,
            self.totals.get(owner).copied().unwrap_or(0),
            self.max_scores
                .get(owner)
                .copied()
                .unwrap_or(f32::NEG_INFINITY),
        )
    }
}

/// `top_hits`.
struct TopHits<'a> {
    spec: &'a crate::aggs::TopHitsAgg,
    sources: Vec<SortSrc>,
    top: TopK,
    seg: u32,
    by_score: bool,
    keys: Vec<SortKey>,
    tmp: Tmp,
    i64s: Vec<Option<i64>>,
    f64s: Vec<Option<f64>>,
}

impl<'a> TopHits<'a> {
    fn new(
        plan: &mut Plan<'a>,
        _def: &'a AggDef,
        spec: &'a crate::aggs::TopHitsAgg,
    ) -> Result<Self> {
        let sources = sort_sources(plan, &spec.sort)?;
        let by_score = spec.sort.is_empty() || spec.sort.iter().any(|s| s.by == SortBy::Score);
        if by_score || spec.track_scores {
            plan.scoring = true;
        }
        Ok(Self {
            spec,
            top: TopK::new(
                top_hits_slots(&spec.sort),
                spec.from.saturating_add(spec.size),
            ),
            sources,
            seg: 0,
            by_score,
            keys: Vec::new(),
            tmp: Tmp::default(),
            i64s: Vec::new(),
            f64s: Vec::new(),
        })
    }
}

impl Agg for TopHits<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.seg = seg;
        for s in &mut self.sources {
            if let SortSrc::Field { field, col, .. } = s {
                *col = Col::open(reader, field);
            }
        }
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        if let [
            SortSrc::Field {
                col,
                num: Some(num),
                missing,
                ..
            },
        ] = self.sources.as_slice()
            && col.single()
            && *num != NumKind::ULong
        {
            // One numeric criterion over single-valued documents: read the block at once.
            let mut key = SortKey::Missing;
            if *num == NumKind::Double {
                col.block_f64(docs, &mut self.tmp, &mut self.f64s);
            } else {
                col.block_i64(docs, &mut self.tmp, &mut self.i64s);
            }
            for i in 0..docs.len() {
                key = match num {
                    NumKind::Double => self.f64s[i].map(SortKey::F64),
                    _ => self.i64s[i].map(SortKey::I64),
                }
                .or_else(|| missing.clone())
                .unwrap_or(SortKey::Missing);
                self.top.offer(
                    owners[i] as usize,
                    std::slice::from_ref(&key),
                    scores[i],
                    self.seg,
                    docs[i],
                );
            }
            drop(key);
            return;
        }
        let mut keys = std::mem::take(&mut self.keys);
        for i in 0..docs.len() {
            keys.clear();
            keys.extend(
                self.sources
                    .iter()
                    .map(|s| sort_key(s, self.seg, docs[i], scores[i])),
            );
            self.top
                .offer(owners[i] as usize, &keys, scores[i], self.seg, docs[i]);
        }
        self.keys = keys;
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let (list, total, max_score) = self.top.take(owner as usize);
        let show_score = self.by_score || self.spec.track_scores;
        let mut hits = Vec::with_capacity(list.len());
        for c in list {
            let reader = ctx.searcher.segment_reader(c.seg);
            let ff = reader.fast_fields();
            let mut id = String::new();
            if let Ok(Some(col)) = ff.str(schema::ID)
                && let Some(ord) = col.term_ords(c.doc).next()
            {
                let _ = col.ord_to_str(ord, &mut id);
            }
            let u64_of = |name: &str| {
                ff.column_opt::<u64>(name)
                    .ok()
                    .flatten()
                    .and_then(|col| col.first(c.doc))
                    .unwrap_or(0)
            };
            let source = if self.spec.source == crate::query::SourceFilter::None {
                None
            } else {
                let bytes = ctx
                    .shard
                    .stored_source(ctx.searcher, tantivy::DocAddress::new(c.seg, c.doc))?;
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Storage(format!("reading a _source: {e}")))?;
                self.spec.source.apply(&value)
            };
            let sort = if self.spec.sort.is_empty() {
                None
            } else {
                Some(
                    self.sources
                        .iter()
                        .zip(&c.keys())
                        .zip(&self.top.slots)
                        .map(|((s, k), (_, first))| sort_json(s, k, *first))
                        .collect(),
                )
            };
            hits.push(TopHit {
                keys: c.keys(),
                sort,
                score: show_score.then_some(c.score),
                position: (ctx.shard_idx, c.seg, c.doc),
                index: ctx.shard.name.clone(),
                id,
                source,
                version: self.spec.version.then(|| u64_of(schema::VERSION)),
                seq_no_primary_term: self
                    .spec
                    .seq_no_primary_term
                    .then(|| (u64_of(schema::SEQ_NO), u64_of(schema::PRIMARY_TERM))),
            });
        }
        Ok(InternalAgg::TopHits(TopHitsResult {
            total,
            max_score: (show_score && max_score.is_finite()).then_some(max_score),
            hits,
            paged: false,
        }))
    }
}

/// `top_metrics`.
struct TopMetrics<'a> {
    spec: &'a crate::aggs::TopMetricsAgg,
    sort: Vec<SortSrc>,
    metrics: Vec<FieldRef>,
    /// Per segment, the metric columns.
    cols: Vec<Vec<Col>>,
    top: TopK,
    seg: u32,
}

impl<'a> TopMetrics<'a> {
    fn new(plan: &mut Plan<'a>, spec: &'a crate::aggs::TopMetricsAgg) -> Result<Self> {
        let sort = sort_sources(plan, std::slice::from_ref(&spec.sort))?;
        if spec.sort.by == SortBy::Score {
            plan.scoring = true;
        }
        let metrics = spec
            .metrics
            .iter()
            .map(|m| {
                resolve(
                    plan,
                    &ValuesSource {
                        field: Some(m.clone()),
                        ..ValuesSource::default()
                    },
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            spec,
            sort,
            metrics,
            cols: Vec::new(),
            top: TopK::new(top_hits_slots(std::slice::from_ref(&spec.sort)), spec.size),
            seg: 0,
        })
    }
}

impl Agg for TopMetrics<'_> {
    fn set_segment(&mut self, seg: u32, reader: &SegmentReader) -> Result<()> {
        self.seg = seg;
        for s in &mut self.sort {
            if let SortSrc::Field { field, col, .. } = s {
                *col = Col::open(reader, field);
            }
        }
        grow_with(&mut self.cols, seg as usize);
        self.cols[seg as usize] = self.metrics.iter().map(|m| Col::open(reader, m)).collect();
        Ok(())
    }

    fn collect(&mut self, docs: &[DocId], owners: &[u32], scores: &[f32]) {
        for i in 0..docs.len() {
            let key = sort_key(&self.sort[0], self.seg, docs[i], scores[i]);
            if key == SortKey::Missing {
                // Documents without the sort value are not candidates.
                continue;
            }
            self.top.offer(
                owners[i] as usize,
                std::slice::from_ref(&key),
                scores[i],
                self.seg,
                docs[i],
            );
        }
    }

    fn build(&mut self, owner: u32, ctx: &BuildCtx<'_>) -> Result<InternalAgg> {
        let (list, _, _) = self.top.take(owner as usize);
        let mut rows = Vec::with_capacity(list.len());
        for c in list {
            let cols = self.cols.get(c.seg as usize);
            let metrics = self
                .metrics
                .iter()
                .enumerate()
                .map(|(j, field)| {
                    let Some(col) = cols.and_then(|cs| cs.get(j)) else {
                        return Value::Null;
                    };
                    metric_json(field, col, c.doc)
                })
                .collect();
            let key = c.first.clone();
            let first = self.top.slots.first().is_some_and(|s| s.1);
            rows.push(TopMetricsRow {
                sort: sort_json(&self.sort[0], &key, first),
                key,
                metrics,
                position: (ctx.shard_idx, c.seg, c.doc),
            });
        }
        let _ = self.spec;
        Ok(InternalAgg::TopMetrics(rows))
    }
}

fn grow_with(v: &mut Vec<Vec<Col>>, index: usize) {
    while v.len() <= index {
        v.push(Vec::new());
    }
}

fn metric_json(field: &FieldRef, col: &Col, doc: DocId) -> Value {
    match (field.kind(), col) {
        (Some(FieldKind::Date | FieldKind::DateNanos), c) => {
            let mut out = Value::Null;
            c.each_i64(doc, |ms| {
                if out.is_null() {
                    out = fmt::DatePrinter::new(field.date_format().as_deref(), TimeZone::UTC)
                        .map_or(Value::from(ms), |p| Value::from(p.format(ms)));
                }
            });
            out
        }
        (Some(FieldKind::Long | FieldKind::Boolean), c) => {
            let mut out = Value::Null;
            c.each_i64(doc, |v| {
                if out.is_null() {
                    out = Value::from(v)
                }
            });
            out
        }
        (_, Col::Str(c)) => {
            let mut out = Value::Null;
            if let Some(ord) = c.term_ords(doc).next() {
                let mut s = String::new();
                if c.ord_to_str(ord, &mut s).unwrap_or(false) {
                    out = match field.kind() {
                        Some(FieldKind::Ip) => Value::from(
                            hex_to_ip(&s).map_or_else(|| s.clone(), |ip| ip.to_string()),
                        ),
                        _ => Value::from(s),
                    };
                }
            }
            out
        }
        (_, c) => {
            let mut out = Value::Null;
            c.each_f64(doc, |v| {
                if out.is_null() {
                    out = serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
                }
            });
            out
        }
    }
}

#[cfg(test)]
#[path = "aggs_exec_tests.rs"]
mod tests;
