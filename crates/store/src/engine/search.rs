//! Search execution over one or several indices: compile the query per index, collect the
//! best `from + size` matches of each segment with their sort keys (fast columns, `missing`,
//! `mode`, `search_after`), count them (`track_total_hits`, `min_score`, `terminate_after`,
//! `timeout`), merge across indices, and fetch the page: `_id` and versions from fast columns,
//! `_source` from the document store of the same searcher, so a hit shows the document as
//! the refresh saw it (as Elasticsearch does), filtered as asked, and highlighted.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering as AtomicOrdering};
use std::time::Instant;

use ironstack_types::date::{DateFormat, TimeZone, timestamp_from_millis};
use serde_json::{Map, Value};
use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::{DynamicColumn, StrColumn};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query as TQuery};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::api::{Hit, SearchResult};
use crate::error::{Result, StoreError};
use crate::query::{
    Missing, Query, Scalar, SearchRequest, SortBy, SortMode, SortOrder, SortSpec, SourceFilter,
    TrackTotalHits,
};

use super::compile::Compiler;
use super::highlight::Plan;
use super::schema::{self, hex_to_ip};
use super::shard::Shard;
use super::{FieldKind, FieldTypes};

/// A sort key of one document for one criterion.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Missing,
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    Score(f32),
    Doc(u64),
}

fn cmp_keys(a: &Key, b: &Key) -> Ordering {
    use Key::*;
    match (a, b) {
        (I64(x), I64(y)) => x.cmp(y),
        (U64(x), U64(y)) => x.cmp(y),
        (I64(x), U64(y)) => i128::from(*x).cmp(&i128::from(*y)),
        (U64(x), I64(y)) => i128::from(*x).cmp(&i128::from(*y)),
        (Str(x), Str(y)) => x.cmp(y),
        (Score(x), Score(y)) => x.total_cmp(y),
        (Doc(x), Doc(y)) => x.cmp(y),
        (x, y) => as_f64(x).total_cmp(&as_f64(y)),
    }
}

fn as_f64(k: &Key) -> f64 {
    match k {
        Key::I64(v) => *v as f64,
        Key::U64(v) => *v as f64,
        Key::F64(v) => *v,
        Key::Score(v) => f64::from(*v),
        Key::Doc(v) => *v as f64,
        Key::Str(_) | Key::Missing => f64::NAN,
    }
}

#[derive(Debug, Clone)]
enum Source {
    Score,
    Doc,
    /// `_shard_doc`: the index's position in the point in time, the segment, the document.
    ShardDoc,
    Field {
        column: String,
        kind: FieldKind,
    },
    /// Unmapped in this index with `unmapped_type`: every document is missing.
    Unmapped {
        kind: FieldKind,
    },
}

#[derive(Debug, Clone)]
struct Slot {
    source: Source,
    desc: bool,
    missing_first: bool,
    missing_value: Option<Scalar>,
    mode: Option<SortMode>,
    format: Option<String>,
}

fn compare(slots: &[Slot], a: &[Key], b: &[Key]) -> Ordering {
    for (i, slot) in slots.iter().enumerate() {
        let (x, y) = (&a[i], &b[i]);
        let o = match (x == &Key::Missing, y == &Key::Missing) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if slot.missing_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if slot.missing_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = cmp_keys(x, y);
                if slot.desc { o.reverse() } else { o }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn kind_key(kind: FieldKind, v: &Scalar) -> Key {
    match (kind, v) {
        (FieldKind::Keyword, s) | (FieldKind::Text, s) => Key::Str(match s {
            Scalar::String(s) => s.clone(),
            Scalar::Long(n) => n.to_string(),
            Scalar::Double(f) => f.to_string(),
            Scalar::Bool(b) => b.to_string(),
        }),
        (FieldKind::Ip, Scalar::String(s)) => match s.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => Key::Str(schema::ip_to_hex(&v4.to_ipv6_mapped())),
            Ok(std::net::IpAddr::V6(v6)) => Key::Str(schema::ip_to_hex(&v6)),
            Err(_) => Key::Str(s.clone()),
        },
        (_, Scalar::Long(n)) => Key::I64(*n),
        (_, Scalar::Double(f)) => Key::F64(*f),
        (_, Scalar::Bool(b)) => Key::I64(i64::from(*b)),
        (_, Scalar::String(s)) => s
            .parse::<i64>()
            .map(Key::I64)
            .or_else(|_| s.parse::<f64>().map(Key::F64))
            .unwrap_or_else(|_| Key::Str(s.clone())),
    }
}

fn json_key(slot: &Slot, v: &Value) -> Key {
    let kind = match &slot.source {
        Source::Field { kind, .. } | Source::Unmapped { kind } => Some(*kind),
        _ => None,
    };
    // A missing value's `sort` shows the number it sorted as (see `sort_value`); given back
    // in `search_after`, it means "missing" again.
    let numeric = !matches!(
        kind,
        Some(FieldKind::Keyword | FieldKind::Text | FieldKind::Ip) | None
    );
    let sentinel = if slot.missing_first == slot.desc {
        i64::MAX
    } else {
        i64::MIN
    };
    match v {
        Value::Null => Key::Missing,
        Value::Number(n) if numeric && n.as_i64() == Some(sentinel) => Key::Missing,
        Value::Number(n) => match (&slot.source, n.as_i64(), n.as_u64(), n.as_f64()) {
            (Source::Score, _, _, Some(f)) => Key::Score(f as f32),
            (Source::Doc | Source::ShardDoc, _, Some(u), _) => Key::Doc(u),
            (_, Some(i), _, _) => Key::I64(i),
            (_, None, Some(u), _) => Key::U64(u),
            (_, _, _, Some(f)) => Key::F64(f),
            _ => Key::Missing,
        },
        Value::String(s) => kind_key(
            kind.unwrap_or(FieldKind::Keyword),
            &Scalar::String(s.clone()),
        ),
        Value::Bool(b) => Key::I64(i64::from(*b)),
        _ => Key::Missing,
    }
}

/// One segment's fast column for a sort field or doc value field.
enum Col {
    I64(tantivy::columnar::Column<i64>),
    U64(tantivy::columnar::Column<u64>),
    F64(tantivy::columnar::Column<f64>),
    Bool(tantivy::columnar::Column<bool>),
    Date(tantivy::columnar::Column<tantivy::DateTime>, bool),
    Str(StrColumn),
    None,
}

impl Col {
    fn open(reader: &SegmentReader, column: &str, kind: FieldKind) -> Col {
        let Ok(handles) = reader.fast_fields().dynamic_column_handles(column) else {
            return Col::None;
        };
        for handle in handles {
            let Ok(col) = handle.open() else { continue };
            return match col {
                DynamicColumn::I64(c) => Col::I64(c),
                DynamicColumn::U64(c) => Col::U64(c),
                DynamicColumn::F64(c) => Col::F64(c),
                DynamicColumn::Bool(c) => Col::Bool(c),
                DynamicColumn::DateTime(c) => Col::Date(c, kind == FieldKind::DateNanos),
                DynamicColumn::Str(c) => Col::Str(c),
                _ => continue,
            };
        }
        Col::None
    }

    fn keys(&self, doc: DocId, out: &mut Vec<Key>) {
        match self {
            Col::I64(c) => out.extend(c.values_for_doc(doc).map(Key::I64)),
            Col::U64(c) => out.extend(c.values_for_doc(doc).map(Key::U64)),
            Col::F64(c) => out.extend(c.values_for_doc(doc).map(Key::F64)),
            Col::Bool(c) => out.extend(c.values_for_doc(doc).map(|b| Key::I64(i64::from(b)))),
            Col::Date(c, nanos) => out.extend(c.values_for_doc(doc).map(|d| {
                Key::I64(if *nanos {
                    d.into_timestamp_nanos()
                } else {
                    d.into_timestamp_millis()
                })
            })),
            Col::Str(c) => {
                for ord in c.term_ords(doc) {
                    let mut s = String::new();
                    if c.ord_to_str(ord, &mut s).unwrap_or(false) {
                        out.push(Key::Str(s));
                    }
                }
            }
            Col::None => {}
        }
    }
}

fn pick(values: &mut [Key], mode: Option<SortMode>, desc: bool) -> Key {
    if values.is_empty() {
        return Key::Missing;
    }
    let mode = mode.unwrap_or(if desc { SortMode::Max } else { SortMode::Min });
    match mode {
        SortMode::Min => values
            .iter()
            .min_by(|a, b| cmp_keys(a, b))
            .cloned()
            .unwrap_or(Key::Missing),
        SortMode::Max => values
            .iter()
            .max_by(|a, b| cmp_keys(a, b))
            .cloned()
            .unwrap_or(Key::Missing),
        SortMode::Sum | SortMode::Avg => {
            let sum: f64 = values.iter().map(as_f64).sum();
            let all_int = values.iter().all(|k| matches!(k, Key::I64(_)));
            if mode == SortMode::Avg {
                Key::F64(sum / values.len() as f64)
            } else if all_int {
                Key::I64(
                    values
                        .iter()
                        .map(|k| if let Key::I64(v) = k { *v } else { 0 })
                        .fold(0i64, i64::saturating_add),
                )
            } else {
                Key::F64(sum)
            }
        }
        SortMode::Median => {
            values.sort_by(cmp_keys);
            let n = values.len();
            if n % 2 == 1 {
                values[n / 2].clone()
            } else {
                Key::F64((as_f64(&values[n / 2 - 1]) + as_f64(&values[n / 2])) / 2.0)
            }
        }
    }
}

struct Shared {
    collected: AtomicU64,
    terminate_after: Option<u64>,
    deadline: Option<Instant>,
    terminated: AtomicBool,
    timed_out: AtomicBool,
}

struct TopCollector {
    /// The index's position among those searched (for `_shard_doc`).
    shard: u64,
    slots: Arc<Vec<Slot>>,
    k: usize,
    scoring: bool,
    min_score: Option<f32>,
    after: Option<Vec<Key>>,
    shared: Arc<Shared>,
}

struct Candidate {
    keys: Vec<Key>,
    score: f32,
    seg: u32,
    doc: u32,
}

/// A collected match, resolved against its segment.
struct Resolved {
    keys: Vec<Key>,
    score: f32,
    shard: usize,
    seg: u32,
    doc: u32,
    id: String,
    version: u64,
    seq_no: u64,
    primary_term: u64,
    ignored: Vec<String>,
}

struct SegFruit {
    top: Vec<Resolved>,
    count: u64,
    max_score: f32,
}

struct TopSegment {
    shard: u64,
    slots: Arc<Vec<Slot>>,
    k: usize,
    min_score: Option<f32>,
    after: Option<Vec<Key>>,
    shared: Arc<Shared>,
    seg: u32,
    columns: Vec<Col>,
    id: Option<StrColumn>,
    version: Option<tantivy::columnar::Column<u64>>,
    seq_no: Option<tantivy::columnar::Column<u64>>,
    primary_term: Option<tantivy::columnar::Column<u64>>,
    ignored: Option<StrColumn>,
    buffer: Vec<Candidate>,
    count: u64,
    max_score: f32,
    scratch: Vec<Key>,
    stopped: bool,
    /// The keys of the k-th best candidate once there are k: later documents of the
    /// segment (higher doc ids, so they lose ties) must beat it to matter.
    threshold: Option<Vec<Key>>,
}

impl TopSegment {
    fn trim(&mut self) {
        let slots = Arc::clone(&self.slots);
        self.buffer
            .sort_by(|a, b| compare(&slots, &a.keys, &b.keys).then(a.doc.cmp(&b.doc)));
        self.buffer.truncate(self.k);
        if self.k > 0 && self.buffer.len() == self.k {
            self.threshold = self.buffer.last().map(|c| c.keys.clone());
        }
    }
}

impl SegmentCollector for TopSegment {
    type Fruit = SegFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        if self.stopped {
            return;
        }
        if let Some(min) = self.min_score
            && score < min
        {
            return;
        }
        if let Some(limit) = self.shared.terminate_after {
            let n = self.shared.collected.fetch_add(1, AtomicOrdering::Relaxed);
            if n >= limit {
                self.shared.terminated.store(true, AtomicOrdering::Relaxed);
                self.stopped = true;
                return;
            }
        }
        if let Some(deadline) = self.shared.deadline
            && self.count.is_multiple_of(256)
            && Instant::now() >= deadline
        {
            self.shared.timed_out.store(true, AtomicOrdering::Relaxed);
            self.stopped = true;
            return;
        }
        self.count += 1;
        if score > self.max_score {
            self.max_score = score;
        }
        if self.k == 0 {
            return;
        }
        let mut keys = Vec::with_capacity(self.slots.len());
        for (i, slot) in self.slots.iter().enumerate() {
            let key = match &slot.source {
                Source::Score => Key::Score(score),
                Source::Doc => Key::Doc((u64::from(self.seg) << 32) | u64::from(doc)),
                Source::ShardDoc => Key::Doc(
                    (self.shard << SHARD_SHIFT) | (u64::from(self.seg) << 32) | u64::from(doc),
                ),
                Source::Field { kind, .. } => {
                    self.scratch.clear();
                    self.columns[i].keys(doc, &mut self.scratch);
                    let k = pick(&mut self.scratch, slot.mode, slot.desc);
                    match (&k, &slot.missing_value) {
                        (Key::Missing, Some(v)) => kind_key(*kind, v),
                        _ => k,
                    }
                }
                Source::Unmapped { kind } => match &slot.missing_value {
                    Some(v) => kind_key(*kind, v),
                    None => Key::Missing,
                },
            };
            keys.push(key);
        }
        if let Some(after) = &self.after
            && compare(&self.slots, &keys, after) != Ordering::Greater
        {
            return;
        }
        if let Some(threshold) = &self.threshold
            && compare(&self.slots, &keys, threshold) != Ordering::Less
        {
            return;
        }
        self.buffer.push(Candidate {
            keys,
            score,
            seg: self.seg,
            doc,
        });
        if self.buffer.len() >= self.k.saturating_mul(2).max(64) {
            self.trim();
        }
    }

    fn harvest(mut self) -> SegFruit {
        self.trim();
        let mut top = Vec::with_capacity(self.buffer.len());
        for c in std::mem::take(&mut self.buffer) {
            let mut id = String::new();
            if let Some(col) = &self.id
                && let Some(ord) = col.term_ords(c.doc).next()
            {
                let _ = col.ord_to_str(ord, &mut id);
            }
            let mut ignored = Vec::new();
            if let Some(col) = &self.ignored {
                for ord in col.term_ords(c.doc) {
                    let mut s = String::new();
                    if col.ord_to_str(ord, &mut s).unwrap_or(false) {
                        ignored.push(s);
                    }
                }
            }
            let get = |col: &Option<tantivy::columnar::Column<u64>>| {
                col.as_ref().and_then(|col| col.first(c.doc)).unwrap_or(0)
            };
            top.push(Resolved {
                keys: c.keys,
                score: c.score,
                shard: 0,
                seg: c.seg,
                doc: c.doc,
                id,
                version: get(&self.version),
                seq_no: get(&self.seq_no),
                primary_term: get(&self.primary_term),
                ignored,
            });
        }
        SegFruit {
            top,
            count: self.count,
            max_score: self.max_score,
        }
    }
}

impl Collector for TopCollector {
    type Fruit = SegFruit;
    type Child = TopSegment;

    fn for_segment(
        &self,
        seg: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<TopSegment> {
        let columns = self
            .slots
            .iter()
            .map(|s| match &s.source {
                Source::Field { column, kind } => Col::open(reader, column, *kind),
                _ => Col::None,
            })
            .collect();
        let ff = reader.fast_fields();
        Ok(TopSegment {
            shard: self.shard,
            slots: Arc::clone(&self.slots),
            k: self.k,
            min_score: self.min_score,
            after: self.after.clone(),
            shared: Arc::clone(&self.shared),
            seg,
            columns,
            id: ff.str(schema::ID)?,
            version: ff.column_opt::<u64>(schema::VERSION)?,
            seq_no: ff.column_opt::<u64>(schema::SEQ_NO)?,
            primary_term: ff.column_opt::<u64>(schema::PRIMARY_TERM)?,
            ignored: ff.str(schema::IGNORED)?,
            buffer: Vec::new(),
            count: 0,
            max_score: f32::NEG_INFINITY,
            scratch: Vec::new(),
            stopped: false,
            threshold: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<SegFruit>) -> tantivy::Result<SegFruit> {
        let mut out = SegFruit {
            top: Vec::new(),
            count: 0,
            max_score: f32::NEG_INFINITY,
        };
        for f in fruits {
            out.count += f.count;
            out.max_score = out.max_score.max(f.max_score);
            out.top.extend(f.top);
        }
        Ok(out)
    }
}

fn shard_error(shard: &Shard, reason: String) -> StoreError {
    StoreError::QueryShard {
        index: shard.name.clone(),
        uuid: shard.uuid.clone(),
        reason,
    }
}

fn slots_for(shard: &Shard, request: &SearchRequest, types: &dyn FieldTypes) -> Result<Vec<Slot>> {
    if request.sort.is_empty() {
        return Ok(vec![Slot {
            source: Source::Score,
            desc: true,
            missing_first: false,
            missing_value: None,
            mode: None,
            format: None,
        }]);
    }
    request
        .sort
        .iter()
        .map(|spec| {
            let source = match &spec.by {
                SortBy::Score => Source::Score,
                SortBy::Doc => Source::Doc,
                SortBy::ShardDoc => Source::ShardDoc,
                SortBy::Field(f) if f == "_id" => {
                    return Err(StoreError::ShardIllegalArgument {
                        index: shard.name.clone(),
                        reason: "Fielddata access on the _id field is disallowed, you can re-enable it by updating the dynamic cluster setting: indices.id_field_data.enabled".into(),
                    });
                }
                SortBy::Field(f) => match types.field(&shard.name, f) {
                    Some(info) if info.kind == FieldKind::Text => {
                        return Err(StoreError::ShardIllegalArgument {
                            index: shard.name.clone(),
                            reason: format!(
                                "Fielddata is disabled on [{f}] in [{}]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [{f}] in order to load field data by uninverting the inverted index. Note that this can use significant memory.",
                                shard.name
                            ),
                        });
                    }
                    Some(info) if !info.doc_values => {
                        return Err(StoreError::ShardIllegalArgument {
                            index: shard.name.clone(),
                            reason: format!(
                                "Can't load fielddata on [{f}] because fielddata is unsupported on fields of type [{}]. Use doc values instead.",
                                info.kind.type_name()
                            ),
                        });
                    }
                    Some(info) => Source::Field {
                        column: shard.fields.column(info.kind, &types.concrete(&shard.name, f)),
                        kind: info.kind,
                    },
                    None => match spec.unmapped_type.as_deref() {
                        Some(t) => Source::Unmapped {
                            kind: match t {
                                "keyword" | "text" | "ip" => FieldKind::Keyword,
                                "date" => FieldKind::Date,
                                "double" | "float" | "half_float" | "scaled_float" => FieldKind::Double,
                                _ => FieldKind::Long,
                            },
                        },
                        None => {
                            return Err(shard_error(
                                shard,
                                format!("No mapping found for [{f}] in order to sort on"),
                            ));
                        }
                    },
                },
            };
            let missing_first;
            let mut missing_value = None;
            match &spec.missing {
                Missing::First => missing_first = true,
                Missing::Last => missing_first = false,
                Missing::Value(v) => {
                    missing_first = false;
                    missing_value = Some(v.clone());
                }
            }
            Ok(Slot {
                source,
                desc: spec.order == SortOrder::Desc,
                missing_first,
                missing_value,
                mode: spec.mode,
                format: spec.format.clone(),
            })
        })
        .collect()
}

fn compile_for(
    shard: &Shard,
    query: &Query,
    post_filter: Option<&Query>,
    types: &dyn FieldTypes,
    now: ironstack_types::date::Timestamp,
) -> Result<Box<dyn TQuery>> {
    let slots = shard.current_text_slots();
    let compiler = Compiler {
        fields: &shard.fields,
        types,
        index: &shard.name,
        uuid: &shard.uuid,
        now,
        text_slots: &slots,
    };
    let q = compiler.compile(query)?;
    Ok(match post_filter {
        Some(pf) => Box::new(BooleanQuery::new(vec![
            (Occur::Must, q),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(compiler.compile(pf)?, 0.0)),
            ),
        ])),
        None => q,
    })
}

fn storage(e: tantivy::TantivyError) -> StoreError {
    StoreError::Storage(format!("search failed: {e}"))
}

/// Runs a tantivy search, turning a panic inside tantivy into an error: a query that trips
/// a library bug fails alone instead of taking the node down.
fn guarded<T>(run: impl FnOnce() -> tantivy::Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(result) => result.map_err(storage),
        Err(_) => Err(StoreError::Storage(
            "search failed: the search library panicked".to_string(),
        )),
    }
}

fn now() -> ironstack_types::date::Timestamp {
    ironstack_types::date::Timestamp::now()
}

/// Counts the matches of `query`.
pub(crate) fn count(shards: &[Arc<Shard>], query: &Query, types: &dyn FieldTypes) -> Result<u64> {
    let now = now();
    let mut total = 0;
    for shard in shards {
        let start = Instant::now();
        let q = compile_for(shard, query, None, types, now)?;
        let searcher = shard.reader.searcher();
        total += guarded(|| searcher.search(&*q, &Count))? as u64;
        shard
            .counters
            .query_total
            .fetch_add(1, AtomicOrdering::Relaxed);
        shard.counters.query_time_nanos.fetch_add(
            u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            AtomicOrdering::Relaxed,
        );
    }
    Ok(total)
}

/// Runs a search.
/// `_shard_doc` keys: the index's position above the segment and document (which fit in 48
/// bits), so that keys of different indices never tie.
const SHARD_SHIFT: u32 = 48;

/// `request` with the `_shard_doc` tiebreaker a point-in-time search sorts by last (after
/// `_score` when it has no sort), unless it sorts by `_shard_doc` already.
pub(crate) fn with_tiebreaker(request: &SearchRequest) -> SearchRequest {
    let mut request = request.clone();
    if request.sort.iter().any(|s| s.by == SortBy::ShardDoc) {
        return request;
    }
    let plain = |by, order| SortSpec {
        by,
        order,
        missing: Missing::Last,
        unmapped_type: None,
        mode: None,
        format: None,
    };
    if request.sort.is_empty() {
        request.sort.push(plain(SortBy::Score, SortOrder::Desc));
    }
    request.sort.push(plain(SortBy::ShardDoc, SortOrder::Asc));
    request
}

pub(crate) fn search(
    shards: &[Arc<Shard>],
    request: &SearchRequest,
    types: &dyn FieldTypes,
) -> Result<SearchResult> {
    search_pinned(shards, None, request, types)
}

/// [`search`] over the searchers of a point in time when `pinned` is given (one per shard),
/// over each index's current searcher otherwise.
pub(crate) fn search_pinned(
    shards: &[Arc<Shard>],
    pinned: Option<&[tantivy::Searcher]>,
    request: &SearchRequest,
    types: &dyn FieldTypes,
) -> Result<SearchResult> {
    let now = now();
    for shard in shards {
        let window = shard.settings().max_result_window;
        crate::query::check_result_window(&shard.name, request, window as u64, false)?;
    }
    let k = request.from.saturating_add(request.size);
    let by_score = request.sort.is_empty() || request.sort.iter().any(|s| s.by == SortBy::Score);
    let scoring = by_score || request.track_scores || request.min_score.is_some();
    let deadline = request.timeout.map(|t| Instant::now() + t);
    // A search that returns no hits only needs its total: with nothing that stops or filters
    // the collection early, a plain count gives it (or the aggregation pass, which visits the
    // same matches when there is no `post_filter`), without scoring, sort keys or the
    // per-segment `_id`/version columns.
    let count_only = k == 0
        && request.min_score.is_none()
        && request.terminate_after.is_none()
        && deadline.is_none();
    let aggs_count = count_only
        && request.post_filter.is_none()
        && (request.aggs.as_ref().is_some_and(|a| !a.is_empty())
            || request
                .aggregations
                .as_ref()
                .is_some_and(|a| a.as_object().is_some_and(|o| !o.is_empty())));
    let skip_count = aggs_count || request.track_total_hits == TrackTotalHits::Off;
    let mut all: Vec<Resolved> = Vec::new();
    let mut total = 0u64;
    let mut max_score = f32::NEG_INFINITY;
    let (mut timed_out, mut terminated) = (false, false);
    let mut slots_of_first: Option<Vec<Slot>> = None;
    let mut searchers = Vec::with_capacity(shards.len());
    for (shard_idx, shard) in shards.iter().enumerate() {
        let start = Instant::now();
        let slots = slots_for(shard, request, types)?;
        let after = match &request.search_after {
            Some(values) => {
                if values.len() != slots.len() {
                    return Err(StoreError::IllegalArgument(format!(
                        "search_after has {} value(s) but sort has {}.",
                        values.len(),
                        request.sort.len()
                    )));
                }
                Some(
                    slots
                        .iter()
                        .zip(values)
                        .map(|(s, v)| json_key(s, v))
                        .collect(),
                )
            }
            None => None,
        };
        let q = compile_for(
            shard,
            &request.query,
            request.post_filter.as_ref(),
            types,
            now,
        )?;
        let shared = Arc::new(Shared {
            collected: AtomicU64::new(0),
            terminate_after: request.terminate_after,
            deadline,
            terminated: AtomicBool::new(false),
            timed_out: AtomicBool::new(false),
        });
        let collector = TopCollector {
            shard: shard_idx as u64,
            slots: Arc::new(slots.clone()),
            k,
            scoring,
            min_score: request.min_score,
            after,
            shared: Arc::clone(&shared),
        };
        let searcher = match pinned.and_then(|p| p.get(shard_idx)) {
            Some(searcher) => searcher.clone(),
            None => shard.reader.searcher(),
        };
        let fruit = if count_only {
            let count = if skip_count {
                0
            } else {
                guarded(|| searcher.search(&*q, &Count))? as u64
            };
            SegFruit {
                top: Vec::new(),
                count,
                max_score: f32::NEG_INFINITY,
            }
        } else {
            guarded(|| searcher.search(&*q, &collector))?
        };
        total += fruit.count;
        max_score = max_score.max(fruit.max_score);
        timed_out |= shared.timed_out.load(AtomicOrdering::Relaxed);
        terminated |= shared.terminated.load(AtomicOrdering::Relaxed);
        all.extend(fruit.top.into_iter().map(|mut r| {
            r.shard = shard_idx;
            r
        }));
        if slots_of_first.is_none() {
            slots_of_first = Some(slots);
        }
        searchers.push(searcher);
        shard
            .counters
            .query_total
            .fetch_add(1, AtomicOrdering::Relaxed);
        shard.counters.query_time_nanos.fetch_add(
            u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
            AtomicOrdering::Relaxed,
        );
    }
    let slots = slots_of_first.unwrap_or_default();
    all.sort_by(|a, b| {
        compare(&slots, &a.keys, &b.keys)
            .then(a.shard.cmp(&b.shard))
            .then(a.seg.cmp(&b.seg))
            .then(a.doc.cmp(&b.doc))
    });
    let page: Vec<Resolved> = all
        .into_iter()
        .skip(request.from)
        .take(request.size)
        .collect();
    let hits = fetch(shards, &searchers, request, types, &slots, page)?;
    let show_scores = (by_score || request.track_scores) && k > 0;
    let aggregations = super::aggs_exec::for_request(shards, &searchers, request, types, now)?;
    let (aggregations, matched) = match aggregations {
        Some(run) => (Some(run.rendered), run.matched),
        None => (None, None),
    };
    let total = match matched {
        Some(n) if aggs_count => n,
        _ => total,
    };
    let (total, total_exact) = match request.track_total_hits {
        TrackTotalHits::Exact => (total, true),
        TrackTotalHits::UpTo(n) if total > n => (n, false),
        TrackTotalHits::UpTo(_) => (total, true),
        TrackTotalHits::Off => (0, false),
    };
    Ok(SearchResult {
        total,
        total_exact,
        max_score: (show_scores && max_score.is_finite()).then_some(max_score),
        hits,
        aggregations,
        timed_out,
        terminated_early: terminated,
    })
}

fn sort_value(slot: &Slot, key: &Key) -> Value {
    let kind = match &slot.source {
        Source::Field { kind, .. } | Source::Unmapped { kind } => Some(*kind),
        _ => None,
    };
    match key {
        Key::Missing => match kind {
            Some(FieldKind::Keyword | FieldKind::Text | FieldKind::Ip) | None => Value::Null,
            Some(_) => {
                // Elasticsearch shows the value it sorted a missing document with.
                let high = slot.missing_first == slot.desc;
                Value::from(if high { i64::MAX } else { i64::MIN })
            }
        },
        Key::I64(v) => match (kind, &slot.format) {
            (Some(FieldKind::Date), Some(f)) => DateFormat::new(f)
                .ok()
                .zip(timestamp_from_millis(*v).ok())
                .map_or(Value::from(*v), |(fmt, at)| {
                    Value::from(fmt.format(at, &TimeZone::UTC))
                }),
            _ => Value::from(*v),
        },
        Key::U64(v) => Value::from(*v),
        Key::F64(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        Key::Str(s) => match kind {
            Some(FieldKind::Ip) => hex_to_ip(s)
                .map_or_else(|| Value::from(s.clone()), |ip| Value::from(ip.to_string())),
            _ => Value::from(s.clone()),
        },
        Key::Score(s) => {
            serde_json::Number::from_f64(f64::from(*s)).map_or(Value::Null, Value::Number)
        }
        Key::Doc(d) => Value::from(*d),
    }
}

fn fetch(
    shards: &[Arc<Shard>],
    searchers: &[tantivy::Searcher],
    request: &SearchRequest,
    types: &dyn FieldTypes,
    slots: &[Slot],
    page: Vec<Resolved>,
) -> Result<Vec<Hit>> {
    let mut sources: Vec<Option<Value>> = vec![None; page.len()];
    // Compiled once for the page, not per hit.
    let source_matcher = request.source.matcher();
    let mut fields: Vec<Option<Map<String, Value>>> = vec![None; page.len()];
    let wants_fields = !request.fields.is_empty() || !request.docvalue_fields.is_empty();
    let mut highlights: Vec<Option<BTreeMap<String, Vec<String>>>> = vec![None; page.len()];
    if request.source != SourceFilter::None || wants_fields || request.highlight.is_some() {
        for (shard_idx, (shard, searcher)) in shards.iter().zip(searchers).enumerate() {
            let start = Instant::now();
            let mut fetched = false;
            let mut plan = None;
            for (pos, r) in page
                .iter()
                .enumerate()
                .filter(|(_, r)| r.shard == shard_idx)
            {
                let bytes =
                    shard.stored_source(searcher, tantivy::DocAddress::new(r.seg, r.doc))?;
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| StoreError::Storage(format!("reading a _source: {e}")))?;
                if wants_fields {
                    let segment = searcher.segment_reader(r.seg);
                    fields[pos] = Some(hit_fields(
                        &shard.name,
                        &shard.fields,
                        segment,
                        r.doc,
                        types,
                        request,
                        &value,
                    ));
                }
                if let Some(highlight) = &request.highlight {
                    if plan.is_none() {
                        plan = Some(Plan::new(&shard.name, highlight, &request.query, types)?);
                    }
                    if let Some(plan) = &plan {
                        highlights[pos] = plan.apply(&shard.name, &r.id, &value)?;
                    }
                }
                if let Some(matcher) = &source_matcher {
                    sources[pos] = Some(matcher.filter(&value));
                }
                fetched = true;
            }
            if fetched {
                shard
                    .counters
                    .fetch_total
                    .fetch_add(1, AtomicOrdering::Relaxed);
                shard.counters.fetch_time_nanos.fetch_add(
                    u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),
                    AtomicOrdering::Relaxed,
                );
            }
        }
    }
    let by_score = request.sort.is_empty() || request.sort.iter().any(|s| s.by == SortBy::Score);
    let show_score = by_score || request.track_scores;
    Ok(page
        .into_iter()
        .zip(sources)
        .zip(fields)
        .zip(highlights)
        .map(|(((r, source), fields), highlight)| Hit {
            index: shards
                .get(r.shard)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            id: r.id,
            score: show_score.then_some(r.score),
            source,
            sort: (!request.sort.is_empty()).then(|| {
                slots
                    .iter()
                    .zip(&r.keys)
                    .map(|(s, k)| sort_value(s, k))
                    .collect()
            }),
            fields,
            version: request.version.then_some(r.version),
            seq_no_primary_term: request
                .seq_no_primary_term
                .then_some((r.seq_no, r.primary_term)),
            ignored: r.ignored,
            highlight,
        })
        .collect())
}

/// `fields` and `docvalue_fields` of one hit: doc values (dates formatted, IPs as text) for
/// every type but `text`, whose values come from the `_source`.
fn hit_fields(
    index: &str,
    schema_fields: &super::schema::Fields,
    segment: &SegmentReader,
    doc: DocId,
    types: &dyn FieldTypes,
    request: &SearchRequest,
    source: &Value,
) -> Map<String, Value> {
    let mut out = Map::new();
    for spec in request.docvalue_fields.iter().chain(&request.fields) {
        let paths = if spec.field.contains('*') {
            types.expand(index, &spec.field)
        } else {
            vec![spec.field.clone()]
        };
        for path in paths {
            let Some(info) = types.field(index, &path) else {
                continue;
            };
            let values: Vec<Value> = if info.kind == FieldKind::Text {
                let mut found = Vec::new();
                source_values(source, &path, &mut found);
                found
            } else {
                let column = Col::open(segment, &schema_fields.column(info.kind, &path), info.kind);
                let mut keys = Vec::new();
                column.keys(doc, &mut keys);
                let format = spec
                    .format
                    .as_deref()
                    .or(info.format.as_deref())
                    .and_then(|f| DateFormat::new(f).ok())
                    .unwrap_or_default();
                keys.iter()
                    .map(|k| match (info.kind, k) {
                        (FieldKind::Date, Key::I64(ms)) => timestamp_from_millis(*ms)
                            .map_or(Value::from(*ms), |at| {
                                Value::from(format.format(at, &TimeZone::UTC))
                            }),
                        (FieldKind::DateNanos, Key::I64(ns)) => {
                            ironstack_types::date::Timestamp::from_nanosecond(i128::from(*ns))
                                .map_or(Value::from(*ns), |at| Value::from(at.to_string()))
                        }
                        (FieldKind::Boolean, Key::I64(b)) => Value::from(*b != 0),
                        (FieldKind::Ip, Key::Str(hex)) => hex_to_ip(hex)
                            .map_or(Value::from(hex.clone()), |ip| Value::from(ip.to_string())),
                        (_, Key::I64(v)) => Value::from(*v),
                        (_, Key::U64(v)) => Value::from(*v),
                        (_, Key::F64(v)) => {
                            serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number)
                        }
                        (_, Key::Str(v)) => Value::from(v.clone()),
                        _ => Value::Null,
                    })
                    .collect()
            };
            if !values.is_empty() {
                out.insert(path, Value::Array(values));
            }
        }
    }
    out
}

/// The leaf values at a dotted path of a `_source` (through arrays, and keys that hold dots).
pub(super) fn source_values(value: &Value, path: &str, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => {
            for item in items {
                source_values(item, path, out);
            }
        }
        Value::Object(map) => {
            if let Some(v) = map.get(path) {
                source_values(v, "", out);
            }
            for (i, _) in path.match_indices('.') {
                if let Some(v) = map.get(&path[..i]) {
                    source_values(v, &path[i + 1..], out);
                }
            }
        }
        leaf if path.is_empty() && !leaf.is_null() => out.push(leaf.clone()),
        _ => {}
    }
}
