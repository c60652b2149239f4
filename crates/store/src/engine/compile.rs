//! Turns a [`crate::query::Query`] into a tantivy query for one index, with that index's
//! field types: exact values as terms of the `kw` field (numbers, dates and IPs as ranges of
//! their fast columns, so that a date term covers its rounding and `5` finds `5.0`), text
//! analysed with the standard analyzer, patterns expanded, and Elasticsearch's scoring rules
//! (`filter` and `must_not` unscored, `constant_score`, `boosting`, `dis_max`).
//!
//! Scores: tantivy's BM25 multiplies by `k1 + 1` (2.2), which Lucene dropped in 8.0, so every
//! BM25 leaf is scaled by `1 / 2.2` and scores come out as Elasticsearch's.

use std::net::{IpAddr, Ipv6Addr};
use std::ops::Bound;
use std::sync::Arc;

use ironstack_types::date::{DateFormat, DateMathParser, TimeZone, Timestamp, parse_time_zone};
use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery,
    EmptyQuery, EnableScoring, FuzzyTermQuery, Occur, PhrasePrefixQuery, PhraseQuery,
    Query as TQuery, RangeQuery as TRange, TermQuery, TermSetQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DateTime, Term};
use tantivy_fst::{Automaton, Regex};

use crate::error::{Result, StoreError};
use crate::query::{
    BoolQuery, Fuzziness, MatchPhraseQuery, MatchQuery, Operator, Query, RangeQuery, Scalar,
    ZeroTermsQuery,
};

use super::analysis::analyze;
use super::schema::{Fields, ip_to_hex};
use super::{FieldInfo, FieldKind, FieldTypes};

type Q = Box<dyn TQuery>;

/// Lucene's BM25 over tantivy's (see the module documentation).
const BM25_SCALE: f32 = 1.0 / 2.2;

/// What compiling needs to know about the index.
pub(crate) struct Compiler<'a> {
    pub fields: &'a Fields,
    pub types: &'a dyn FieldTypes,
    pub index: &'a str,
    pub uuid: &'a str,
    pub now: Timestamp,
    /// Text paths with their own field.
    pub text_slots: &'a std::collections::BTreeMap<String, usize>,
}

fn boosted(q: Q, boost: f32) -> Q {
    if (boost - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, boost))
    }
}

fn none() -> Q {
    Box::new(EmptyQuery)
}

fn scalar_text(s: &Scalar) -> String {
    match s {
        Scalar::String(s) => s.clone(),
        Scalar::Long(v) => v.to_string(),
        Scalar::Double(v) => v.to_string(),
        Scalar::Bool(v) => v.to_string(),
    }
}

/// A regex over the string terms of one JSON path: the term dictionary key is the path, a
/// type byte, then the value, and the regex applies to the value only.
struct PathAutomaton<A> {
    prefix: Vec<u8>,
    inner: A,
}

#[derive(Clone)]
enum PathState<S> {
    Prefix(usize),
    Inner(S),
    Dead,
}

impl<A: Automaton> Automaton for PathAutomaton<A>
where
    A::State: Clone,
{
    type State = PathState<A::State>;

    fn start(&self) -> Self::State {
        if self.prefix.is_empty() {
            PathState::Inner(self.inner.start())
        } else {
            PathState::Prefix(0)
        }
    }

    fn is_match(&self, state: &Self::State) -> bool {
        matches!(state, PathState::Inner(s) if self.inner.is_match(s))
    }

    fn can_match(&self, state: &Self::State) -> bool {
        match state {
            PathState::Prefix(_) => true,
            PathState::Inner(s) => self.inner.can_match(s),
            PathState::Dead => false,
        }
    }

    fn accept(&self, state: &Self::State, byte: u8) -> Self::State {
        match state {
            PathState::Prefix(i) => {
                if self.prefix.get(*i) == Some(&byte) {
                    if i + 1 == self.prefix.len() {
                        PathState::Inner(self.inner.start())
                    } else {
                        PathState::Prefix(i + 1)
                    }
                } else {
                    PathState::Dead
                }
            }
            PathState::Inner(s) => PathState::Inner(self.inner.accept(s, byte)),
            PathState::Dead => PathState::Dead,
        }
    }
}

/// A regex query on the string values of `path` in the JSON field `field`.
#[derive(Clone)]
struct PathRegexQuery {
    field: Field,
    prefix: Vec<u8>,
    regex: Arc<Regex>,
}

impl std::fmt::Debug for PathRegexQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathRegexQuery").finish()
    }
}

/// `Arc<Regex>` as an automaton.
struct SharedRegex(Arc<Regex>);

impl Automaton for SharedRegex {
    type State = <Regex as Automaton>::State;
    fn start(&self) -> Self::State {
        self.0.start()
    }
    fn is_match(&self, s: &Self::State) -> bool {
        self.0.is_match(s)
    }
    fn can_match(&self, s: &Self::State) -> bool {
        self.0.can_match(s)
    }
    fn accept(&self, s: &Self::State, b: u8) -> Self::State {
        self.0.accept(s, b)
    }
}

impl TQuery for PathRegexQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let automaton = PathAutomaton {
            prefix: self.prefix.clone(),
            inner: SharedRegex(Arc::clone(&self.regex)),
        };
        if self.prefix.is_empty() {
            return Ok(Box::new(AutomatonWeight::new(self.field, automaton)));
        }
        Ok(Box::new(AutomatonWeight::new_for_json_path(
            self.field,
            automaton,
            &self.prefix,
        )))
    }
}

/// Escapes a literal for the regex syntax.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~\"<>@".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A `wildcard` pattern (`*`, `?`, `\` escapes) as a regex.
fn wildcard_regex(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push_str(&regex_escape(&n.to_string()));
                }
            }
            c => out.push_str(&regex_escape(&c.to_string())),
        }
    }
    out
}

fn parse_ip(text: &str) -> Option<Ipv6Addr> {
    match text.trim().parse::<IpAddr>().ok()? {
        IpAddr::V4(v4) => Some(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => Some(v6),
    }
}

/// An address or a CIDR block as inclusive bounds.
fn ip_block(text: &str) -> Option<(Ipv6Addr, Ipv6Addr)> {
    let Some((addr, len)) = text.split_once('/') else {
        let ip = parse_ip(text)?;
        return Some((ip, ip));
    };
    let is_v4 = addr.parse::<std::net::Ipv4Addr>().is_ok();
    let ip = u128::from(parse_ip(addr)?);
    let len: u32 = len.trim().parse().ok()?;
    let len = if is_v4 { len.checked_add(96)? } else { len };
    if len > 128 {
        return None;
    }
    let host_bits = 128 - len;
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((Ipv6Addr::from(ip & !mask), Ipv6Addr::from(ip | mask)))
}

impl Compiler<'_> {
    fn shard_error(&self, reason: String) -> StoreError {
        StoreError::QueryShard {
            index: self.index.to_string(),
            uuid: self.uuid.to_string(),
            reason,
        }
    }

    fn kw_term(&self, path: &str) -> Term {
        Term::from_field_json_path(self.fields.kw, path, true)
    }

    /// The prefix of a term over `path`'s numbers or dates, for ranges over their column.
    fn num_term(&self, path: &str, kind: FieldKind) -> Term {
        Term::from_field_json_path(self.fields.values(kind), path, true)
    }

    fn kw_str(&self, path: &str, value: &str) -> Term {
        let mut t = self.kw_term(path);
        t.append_type_and_str(value);
        t
    }

    fn txt_str(&self, path: &str, value: &str) -> Term {
        match self.text_field(path) {
            Some(field) => Term::from_field_text(field, value),
            None => {
                let mut t = Term::from_field_json_path(self.fields.txt, path, true);
                t.append_type_and_str(value);
                t
            }
        }
    }

    fn text_field(&self, path: &str) -> Option<Field> {
        self.text_slots
            .get(path)
            .and_then(|n| self.fields.text.get(*n))
            .copied()
    }

    fn field_info(&self, path: &str) -> Option<FieldInfo> {
        self.types.field(self.index, path)
    }

    /// Runs `leaf` on each field a pattern names, ORed with `dis_max` (the best field wins).
    fn per_field(&self, field: &str, leaf: &dyn Fn(&str, &FieldInfo) -> Result<Q>) -> Result<Q> {
        if field.contains('*') {
            let mut queries = Vec::new();
            for path in self.types.expand(self.index, field) {
                if let Some(info) = self.field_info(&path) {
                    queries.push(leaf(&self.types.concrete(self.index, &path), &info)?);
                }
            }
            return Ok(match queries.len() {
                0 => none(),
                1 => queries.pop().unwrap_or_else(none),
                _ => Box::new(DisjunctionMaxQuery::new(queries)),
            });
        }
        match self.field_info(field) {
            Some(info) => leaf(&self.types.concrete(self.index, field), &info),
            None => Ok(none()),
        }
    }

    /// For a query on the `_index` metadata field: whether this index matches it (the whole
    /// index matches or nothing does).
    fn on_index_field(&self, query: &Query) -> Option<(bool, f32)> {
        let text = |s: &Scalar| scalar_text(s);
        match query {
            Query::Term {
                field,
                value,
                case_insensitive,
                boost,
            } if field == "_index" => Some((
                if *case_insensitive {
                    text(value).eq_ignore_ascii_case(self.index)
                } else {
                    text(value) == self.index
                },
                *boost,
            )),
            Query::Terms {
                field,
                values,
                boost,
            } if field == "_index" => Some((values.iter().any(|v| text(v) == self.index), *boost)),
            Query::Prefix {
                field,
                value,
                boost,
                ..
            } if field == "_index" => Some((self.index.starts_with(value.as_str()), *boost)),
            Query::Wildcard {
                field,
                pattern,
                case_insensitive,
                boost,
            } if field == "_index" => {
                let syntax = ironstack_types::wildcard::Syntax {
                    case_insensitive: *case_insensitive,
                    ..ironstack_types::wildcard::Syntax::LUCENE
                };
                Some((
                    ironstack_types::wildcard::matches_with(pattern, self.index, syntax),
                    *boost,
                ))
            }
            Query::Exists { field, boost } if field == "_index" => Some((true, *boost)),
            _ => None,
        }
    }

    pub(crate) fn compile(&self, query: &Query) -> Result<Q> {
        if let Some((matched, boost)) = self.on_index_field(query) {
            return Ok(if matched {
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), boost))
            } else {
                none()
            });
        }
        match query {
            Query::MatchAll { boost } => {
                Ok(Box::new(ConstScoreQuery::new(Box::new(AllQuery), *boost)))
            }
            Query::MatchNone => Ok(none()),
            Query::Term {
                field,
                value,
                case_insensitive,
                boost,
            } => {
                let q = self.per_field(field, &|path, info| {
                    self.term(path, info, value, *case_insensitive)
                })?;
                Ok(boosted(q, *boost))
            }
            Query::Terms {
                field,
                values,
                boost,
            } => {
                let q = self.per_field(field, &|path, info| self.terms(path, info, values))?;
                Ok(Box::new(ConstScoreQuery::new(q, *boost)))
            }
            Query::Range(r) => {
                let q = self.per_field(&r.field, &|path, info| self.range(path, info, r))?;
                Ok(Box::new(ConstScoreQuery::new(q, r.boost)))
            }
            Query::Exists { field, boost } => {
                let paths = if field.contains('*') {
                    self.types.expand(self.index, field)
                } else {
                    vec![field.clone()]
                };
                let terms: Vec<Term> = paths
                    .iter()
                    .map(|p| {
                        let concrete = self.types.concrete(self.index, p);
                        Term::from_field_text(self.fields.field_names, &concrete)
                    })
                    .collect();
                Ok(Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    *boost,
                )))
            }
            Query::Prefix {
                field,
                value,
                case_insensitive,
                boost,
            } => {
                let regex = format!("{}.*", regex_escape(value));
                let q = self.per_field(field, &|path, info| {
                    self.regex(path, info, &regex, *case_insensitive, "prefix")
                })?;
                Ok(Box::new(ConstScoreQuery::new(q, *boost)))
            }
            Query::Wildcard {
                field,
                pattern,
                case_insensitive,
                boost,
            } => {
                let regex = wildcard_regex(pattern);
                let q = self.per_field(field, &|path, info| {
                    self.regex(path, info, &regex, *case_insensitive, "wildcard")
                })?;
                Ok(Box::new(ConstScoreQuery::new(q, *boost)))
            }
            Query::Regexp {
                field,
                pattern,
                case_insensitive,
                boost,
            } => {
                let q = self.per_field(field, &|path, info| {
                    self.regex(path, info, pattern, *case_insensitive, "regexp")
                })?;
                Ok(Box::new(ConstScoreQuery::new(q, *boost)))
            }
            Query::Ids { values, boost } => {
                let terms: Vec<Term> = values
                    .iter()
                    .map(|id| Term::from_field_text(self.fields.id, id))
                    .collect();
                Ok(Box::new(ConstScoreQuery::new(
                    Box::new(TermSetQuery::new(terms)),
                    *boost,
                )))
            }
            Query::Match(m) => {
                let q = self.per_field(&m.field, &|path, info| self.match_query(path, info, m))?;
                Ok(boosted(q, m.boost))
            }
            Query::MatchPhrase(m) => {
                let q = self.per_field(&m.field, &|path, info| self.phrase(path, info, m))?;
                Ok(boosted(q, m.boost))
            }
            Query::Bool(b) => self.bool_query(b),
            Query::ConstantScore { filter, boost } => Ok(Box::new(ConstScoreQuery::new(
                self.compile(filter)?,
                *boost,
            ))),
            Query::Boosting {
                positive,
                negative,
                negative_boost,
            } => {
                // Exactly one of the two clauses matches a positive document: the demoted one
                // where `negative` matches too.
                let kept = BooleanQuery::new(vec![
                    (Occur::Must, self.compile(positive)?),
                    (Occur::MustNot, self.compile(negative)?),
                ]);
                let demoted = BooleanQuery::new(vec![
                    (Occur::Must, self.compile(positive)?),
                    (
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(self.compile(negative)?, 0.0)),
                    ),
                ]);
                Ok(Box::new(BooleanQuery::new(vec![
                    (Occur::Should, Box::new(kept)),
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(demoted), *negative_boost)),
                    ),
                ])))
            }
            Query::DisMax {
                queries,
                tie_breaker,
                boost,
            } => {
                let compiled = queries
                    .iter()
                    .map(|q| self.compile(q))
                    .collect::<Result<Vec<_>>>()?;
                if compiled.is_empty() {
                    return Ok(none());
                }
                Ok(boosted(
                    Box::new(DisjunctionMaxQuery::with_tie_breaker(
                        compiled,
                        *tie_breaker,
                    )),
                    *boost,
                ))
            }
        }
    }

    fn bool_query(&self, b: &BoolQuery) -> Result<Q> {
        let mut clauses: Vec<(Occur, Q)> = Vec::new();
        for q in &b.must {
            clauses.push((Occur::Must, self.compile(q)?));
        }
        for q in &b.filter {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(self.compile(q)?, 0.0)),
            ));
        }
        let should_count = b.should.len();
        for q in &b.should {
            clauses.push((Occur::Should, self.compile(q)?));
        }
        for q in &b.must_not {
            clauses.push((Occur::MustNot, self.compile(q)?));
        }
        if clauses.is_empty() {
            return Ok(Box::new(ConstScoreQuery::new(Box::new(AllQuery), b.boost)));
        }
        let msm = match &b.minimum_should_match {
            Some(spec) => spec.try_resolve(should_count)?,
            None if should_count > 0 && b.must.is_empty() && b.filter.is_empty() => 1,
            None => 0,
        };
        if msm > should_count {
            return Ok(none());
        }
        if b.must.is_empty() && b.filter.is_empty() && should_count == 0 {
            // Only `must_not`: everything else, unscored.
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            ));
        }
        let q: Q = if msm > 0 {
            Box::new(BooleanQuery::with_minimum_required_clauses(clauses, msm))
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        Ok(boosted(q, b.boost))
    }

    fn number_error(&self, text: &str) -> StoreError {
        self.shard_error(format!(
            "failed to create query: For input string: \"{text}\""
        ))
    }

    /// A value for a `long` field: `None` when it has a fraction (matches nothing).
    fn long_value(&self, v: &Scalar) -> Result<Option<i64>> {
        match v {
            Scalar::Long(n) => Ok(Some(*n)),
            Scalar::Double(f) => Ok((f.fract() == 0.0 && f.abs() < 9.2e18).then_some(*f as i64)),
            Scalar::String(s) => match s.trim().parse::<i64>() {
                Ok(n) => Ok(Some(n)),
                Err(_) => match s.trim().parse::<f64>() {
                    Ok(f) if f.is_finite() => {
                        Ok((f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64))
                    }
                    _ => Err(self.number_error(s)),
                },
            },
            Scalar::Bool(b) => Err(self.number_error(&b.to_string())),
        }
    }

    fn double_value(&self, v: &Scalar) -> Result<f64> {
        match v {
            Scalar::Long(n) => Ok(*n as f64),
            Scalar::Double(f) => Ok(*f),
            Scalar::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| self.number_error(s)),
            Scalar::Bool(b) => Err(self.number_error(&b.to_string())),
        }
    }

    fn bool_value(&self, v: &Scalar) -> Result<bool> {
        match v {
            Scalar::Bool(b) => Ok(*b),
            Scalar::String(s) if s == "true" => Ok(true),
            Scalar::String(s) if s == "false" || s.is_empty() => Ok(false),
            other => Err(self.shard_error(format!(
                "Can't parse boolean value [{}], expected [true] or [false]",
                scalar_text(other)
            ))),
        }
    }

    fn date_parser(
        &self,
        info: &FieldInfo,
        format: Option<&str>,
        zone: Option<&str>,
    ) -> Result<DateMathParser> {
        let format = match format.or(info.format.as_deref()) {
            Some(f) => DateFormat::new(f).map_err(|e| self.shard_error(e.to_string()))?,
            None => DateFormat::default(),
        };
        let zone = match zone {
            Some(z) => parse_time_zone(z).map_err(|e| self.shard_error(e.to_string()))?,
            None => TimeZone::UTC,
        };
        Ok(DateMathParser::new(format, zone))
    }

    fn date_range(&self, path: &str, info: &FieldInfo, lo: Option<i64>, hi: Option<i64>) -> Q {
        let nanos = info.kind == FieldKind::DateNanos;
        let bound = |ms: Option<i64>, upper: bool| match ms {
            Some(ms) => {
                let value = if nanos {
                    let base = ms.saturating_mul(1_000_000);
                    DateTime::from_timestamp_nanos(if upper {
                        base.saturating_add(999_999)
                    } else {
                        base
                    })
                } else {
                    DateTime::from_timestamp_millis(ms)
                };
                let mut t = self.num_term(path, info.kind);
                t.append_type_and_fast_value(value);
                Bound::Included(t)
            }
            None => Bound::Unbounded,
        };
        if let (Some(l), Some(h)) = (lo, hi)
            && l > h
        {
            return none();
        }
        self.range_or_exists(path, bound(lo, false), bound(hi, true))
    }

    fn range_or_exists(&self, path: &str, lo: Bound<Term>, hi: Bound<Term>) -> Q {
        if matches!((&lo, &hi), (Bound::Unbounded, Bound::Unbounded)) {
            return Box::new(TermQuery::new(
                Term::from_field_text(self.fields.field_names, path),
                IndexRecordOption::Basic,
            ));
        }
        Box::new(TRange::new(lo, hi))
    }

    fn ip_range(&self, path: &str, lo: Ipv6Addr, hi: Ipv6Addr) -> Q {
        if lo > hi {
            return none();
        }
        Box::new(TRange::new(
            Bound::Included(self.kw_str(path, &ip_to_hex(&lo))),
            Bound::Included(self.kw_str(path, &ip_to_hex(&hi))),
        ))
    }

    fn term(&self, path: &str, info: &FieldInfo, value: &Scalar, ci: bool) -> Result<Q> {
        match info.kind {
            FieldKind::Keyword => {
                let text = scalar_text(value);
                if ci {
                    return self.regex(path, info, &regex_escape(&text), true, "term");
                }
                Ok(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        self.kw_str(path, &text),
                        IndexRecordOption::WithFreqs,
                    )),
                    BM25_SCALE,
                )))
            }
            FieldKind::Text => Ok(Box::new(BoostQuery::new(
                Box::new(TermQuery::new(
                    self.txt_str(path, &scalar_text(value)),
                    IndexRecordOption::WithFreqs,
                )),
                BM25_SCALE,
            ))),
            FieldKind::Boolean => {
                let b = self.bool_value(value)?;
                let mut t = self.kw_term(path);
                t.append_type_and_fast_value(b);
                Ok(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(t, IndexRecordOption::WithFreqs)),
                    BM25_SCALE,
                )))
            }
            FieldKind::Long => Ok(match self.long_value(value)? {
                Some(v) => Box::new(ConstScoreQuery::new(self.num_range_i64(path, v, v), 1.0)),
                None => none(),
            }),
            FieldKind::UnsignedLong => {
                let v = self.double_value(value)?;
                if v < 0.0 || v.fract() != 0.0 {
                    return Ok(none());
                }
                let mut lo = self.num_term(path, FieldKind::UnsignedLong);
                lo.append_type_and_fast_value(v as u64);
                let hi = lo.clone();
                Ok(Box::new(ConstScoreQuery::new(
                    Box::new(TRange::new(Bound::Included(lo), Bound::Included(hi))),
                    1.0,
                )))
            }
            FieldKind::Double => {
                let v = self.double_value(value)?;
                let mut lo = self.num_term(path, FieldKind::Double);
                lo.append_type_and_fast_value(v);
                let hi = lo.clone();
                Ok(Box::new(ConstScoreQuery::new(
                    Box::new(TRange::new(Bound::Included(lo), Bound::Included(hi))),
                    1.0,
                )))
            }
            FieldKind::Date | FieldKind::DateNanos => {
                let parser = self.date_parser(info, None, None)?;
                let text = scalar_text(value);
                let lo = parser
                    .lower_bound(&text, true, self.now)
                    .map_err(|e| self.shard_error(e.to_string()))?;
                let hi = parser
                    .upper_bound(&text, true, self.now)
                    .map_err(|e| self.shard_error(e.to_string()))?;
                Ok(Box::new(ConstScoreQuery::new(
                    self.date_range(path, info, Some(lo), Some(hi)),
                    1.0,
                )))
            }
            FieldKind::Ip => {
                let text = scalar_text(value);
                let (lo, hi) = ip_block(&text).ok_or_else(|| {
                    self.shard_error(format!("'{text}' is not an IP string literal."))
                })?;
                Ok(Box::new(ConstScoreQuery::new(
                    self.ip_range(path, lo, hi),
                    1.0,
                )))
            }
        }
    }

    fn num_range_i64(&self, path: &str, lo: i64, hi: i64) -> Q {
        if lo > hi {
            return none();
        }
        let mut l = self.num_term(path, FieldKind::Long);
        l.append_type_and_fast_value(lo);
        let mut h = self.num_term(path, FieldKind::Long);
        h.append_type_and_fast_value(hi);
        Box::new(TRange::new(Bound::Included(l), Bound::Included(h)))
    }

    fn terms(&self, path: &str, info: &FieldInfo, values: &[Scalar]) -> Result<Q> {
        match info.kind {
            FieldKind::Keyword => Ok(Box::new(TermSetQuery::new(
                values.iter().map(|v| self.kw_str(path, &scalar_text(v))),
            ))),
            FieldKind::Text => Ok(Box::new(TermSetQuery::new(
                values.iter().map(|v| self.txt_str(path, &scalar_text(v))),
            ))),
            _ => {
                let clauses = values
                    .iter()
                    .map(|v| Ok((Occur::Should, self.term(path, info, v, false)?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
        }
    }

    fn range(&self, path: &str, info: &FieldInfo, r: &RangeQuery) -> Result<Q> {
        // `gt` wins over `gte` and `lt` over `lte` when both are given, as the parser keeps
        // only one of each in Elasticsearch.
        let lower =
            r.gt.as_ref()
                .map(|v| (v, false))
                .or(r.gte.as_ref().map(|v| (v, true)));
        let upper =
            r.lt.as_ref()
                .map(|v| (v, false))
                .or(r.lte.as_ref().map(|v| (v, true)));
        match info.kind {
            FieldKind::Keyword => {
                let b = |x: Option<(&Scalar, bool)>| match x {
                    Some((v, true)) => Bound::Included(self.kw_str(path, &scalar_text(v))),
                    Some((v, false)) => Bound::Excluded(self.kw_str(path, &scalar_text(v))),
                    None => Bound::Unbounded,
                };
                Ok(self.range_or_exists(path, b(lower), b(upper)))
            }
            // A range over the indexed terms, as Lucene's `TermRangeQuery` on a text field.
            FieldKind::Text => match self.text_field(path) {
                Some(field) => {
                    let b = |x: Option<(&Scalar, bool)>| match x {
                        Some((v, true)) => Bound::Included(Term::from_field_text(field, &scalar_text(v))),
                        Some((v, false)) => Bound::Excluded(Term::from_field_text(field, &scalar_text(v))),
                        None => Bound::Unbounded,
                    };
                    Ok(self.range_or_exists(path, b(lower), b(upper)))
                }
                None => Err(self.shard_error(format!(
                    "range queries on [text] fields beyond the first {} are not supported: [{path}]",
                    super::schema::TEXT_SLOTS
                ))),
            },
            FieldKind::Long => {
                let lo = match lower {
                    Some((v, inclusive)) => {
                        let f = self.double_value(v)?;
                        let n = if inclusive { f.ceil() } else { f.floor() + 1.0 };
                        Some(n.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
                    }
                    None => None,
                };
                let hi = match upper {
                    Some((v, inclusive)) => {
                        let f = self.double_value(v)?;
                        let n = if inclusive { f.floor() } else { f.ceil() - 1.0 };
                        Some(n.clamp(i64::MIN as f64, i64::MAX as f64) as i64)
                    }
                    None => None,
                };
                // Exact integers keep their precision beyond 2^53.
                let exact = |x: Option<(&Scalar, bool)>, fallback: Option<i64>, up: bool| match x {
                    Some((Scalar::Long(n), inclusive)) => Some(match (inclusive, up) {
                        (true, _) => *n,
                        (false, false) => n.saturating_add(1),
                        (false, true) => n.saturating_sub(1),
                    }),
                    _ => fallback,
                };
                let lo = exact(lower, lo, false);
                let hi = exact(upper, hi, true);
                if lo.is_none() && hi.is_none() {
                    return Ok(self.range_or_exists(path, Bound::Unbounded, Bound::Unbounded));
                }
                Ok(self.num_range_i64(path, lo.unwrap_or(i64::MIN), hi.unwrap_or(i64::MAX)))
            }
            FieldKind::UnsignedLong | FieldKind::Double => {
                let ulong = info.kind == FieldKind::UnsignedLong;
                let b = |x: Option<(&Scalar, bool)>| -> Result<Bound<Term>> {
                    Ok(match x {
                        Some((v, inclusive)) => {
                            let f = self.double_value(v)?;
                            let mut t = self.num_term(path, info.kind);
                            if ulong {
                                t.append_type_and_fast_value(f.max(0.0) as u64);
                            } else {
                                t.append_type_and_fast_value(f);
                            }
                            if inclusive {
                                Bound::Included(t)
                            } else {
                                Bound::Excluded(t)
                            }
                        }
                        None => Bound::Unbounded,
                    })
                };
                Ok(self.range_or_exists(path, b(lower)?, b(upper)?))
            }
            FieldKind::Date | FieldKind::DateNanos => {
                let parser = self.date_parser(info, r.format.as_deref(), r.time_zone.as_deref())?;
                let lo = match lower {
                    Some((v, inclusive)) => Some(
                        parser
                            .lower_bound(&scalar_text(v), inclusive, self.now)
                            .map_err(|e| self.shard_error(e.to_string()))?,
                    ),
                    None => None,
                };
                let hi = match upper {
                    Some((v, inclusive)) => Some(
                        parser
                            .upper_bound(&scalar_text(v), inclusive, self.now)
                            .map_err(|e| self.shard_error(e.to_string()))?,
                    ),
                    None => None,
                };
                Ok(self.date_range(path, info, lo, hi))
            }
            FieldKind::Ip => {
                let ip = |v: &Scalar| {
                    let text = scalar_text(v);
                    parse_ip(&text).ok_or_else(|| {
                        self.shard_error(format!("'{text}' is not an IP string literal."))
                    })
                };
                let lo = match lower {
                    Some((v, true)) => ip(v)?,
                    Some((v, false)) => match u128::from(ip(v)?).checked_add(1) {
                        Some(n) => Ipv6Addr::from(n),
                        None => return Ok(none()),
                    },
                    None => Ipv6Addr::UNSPECIFIED,
                };
                let hi = match upper {
                    Some((v, true)) => ip(v)?,
                    Some((v, false)) => match u128::from(ip(v)?).checked_sub(1) {
                        Some(n) => Ipv6Addr::from(n),
                        None => return Ok(none()),
                    },
                    None => Ipv6Addr::from(u128::MAX),
                };
                Ok(self.ip_range(path, lo, hi))
            }
            FieldKind::Boolean => {
                let mut clauses: Vec<(Occur, Q)> = Vec::new();
                for candidate in [false, true] {
                    let n = i64::from(candidate);
                    let above = match lower {
                        Some((v, inc)) => {
                            let l = i64::from(self.bool_value(v)?);
                            if inc { n >= l } else { n > l }
                        }
                        None => true,
                    };
                    let below = match upper {
                        Some((v, inc)) => {
                            let h = i64::from(self.bool_value(v)?);
                            if inc { n <= h } else { n < h }
                        }
                        None => true,
                    };
                    if above && below {
                        let mut t = self.kw_term(path);
                        t.append_type_and_fast_value(candidate);
                        clauses.push((
                            Occur::Should,
                            Box::new(TermQuery::new(t, IndexRecordOption::Basic)),
                        ));
                    }
                }
                Ok(Box::new(BooleanQuery::new(clauses)))
            }
        }
    }

    fn regex(
        &self,
        path: &str,
        info: &FieldInfo,
        pattern: &str,
        ci: bool,
        what: &str,
    ) -> Result<Q> {
        let field = match info.kind {
            FieldKind::Keyword => self.fields.kw,
            FieldKind::Text => self.fields.txt,
            other => {
                return Err(self.shard_error(format!(
                    "Can only use {what} queries on keyword and text fields - not on [{path}] which is of type [{}]",
                    other.type_name()
                )));
            }
        };
        let full = if ci {
            format!("(?i){pattern}")
        } else {
            pattern.to_string()
        };
        let regex = Regex::new(&full).map_err(|e| {
            self.shard_error(format!(
                "failed to create query: invalid regular expression [{pattern}]: {e}"
            ))
        })?;
        if info.kind == FieldKind::Text
            && let Some(own) = self.text_field(path)
        {
            return Ok(Box::new(PathRegexQuery {
                field: own,
                prefix: Vec::new(),
                regex: Arc::new(regex),
            }));
        }
        let mut prefix_term = Term::from_field_json_path(field, path, true);
        prefix_term.append_type_and_str("");
        Ok(Box::new(PathRegexQuery {
            field,
            prefix: prefix_term.serialized_value_bytes().to_vec(),
            regex: Arc::new(regex),
        }))
    }

    fn analyzed(&self, text: &str, analyzer: Option<&str>) -> Vec<String> {
        match analyzer {
            Some("keyword") => vec![text.to_string()],
            Some("whitespace") => text.split_whitespace().map(str::to_string).collect(),
            Some("simple") | Some("stop") => text
                .split(|c: char| !c.is_alphabetic())
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase)
                .collect(),
            _ => analyze(text),
        }
    }

    fn fuzzy_edits(fuzziness: Fuzziness, term: &str) -> u8 {
        match fuzziness {
            Fuzziness::Edits(n) => n.min(2),
            Fuzziness::Auto { low, high } => {
                let len = u32::try_from(term.chars().count()).unwrap_or(u32::MAX);
                if len < low {
                    0
                } else if len < high {
                    1
                } else {
                    2
                }
            }
        }
    }

    fn match_query(&self, path: &str, info: &FieldInfo, m: &MatchQuery) -> Result<Q> {
        if info.kind != FieldKind::Text {
            if let (Some(f), FieldKind::Keyword) = (m.fuzziness, info.kind) {
                let text = scalar_text(&m.query);
                let edits = Self::fuzzy_edits(f, &text);
                return Ok(Box::new(FuzzyTermQuery::new(
                    self.kw_str(path, &text),
                    edits,
                    m.fuzzy_transpositions,
                )));
            }
            return match self.term(path, info, &m.query, false) {
                Err(_) if m.lenient => Ok(none()),
                other => other,
            };
        }
        let terms = self.analyzed(&scalar_text(&m.query), m.analyzer.as_deref());
        if terms.is_empty() {
            return Ok(match m.zero_terms_query {
                ZeroTermsQuery::All => Box::new(AllQuery),
                ZeroTermsQuery::None => none(),
            });
        }
        let leaf = |t: &str| -> Q {
            let term = self.txt_str(path, t);
            match m.fuzziness {
                Some(f) if Self::fuzzy_edits(f, t) > 0 => Box::new(FuzzyTermQuery::new(
                    term,
                    Self::fuzzy_edits(f, t),
                    m.fuzzy_transpositions,
                )),
                _ => Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                    BM25_SCALE,
                )),
            }
        };
        if terms.len() == 1 {
            return Ok(leaf(&terms[0]));
        }
        let count = terms.len();
        match m.operator {
            Operator::And => Ok(Box::new(BooleanQuery::new(
                terms.iter().map(|t| (Occur::Must, leaf(t))).collect(),
            ))),
            Operator::Or => {
                let msm = match &m.minimum_should_match {
                    Some(spec) => spec.try_resolve(count)?,
                    None => 1,
                };
                if msm > count {
                    return Ok(none());
                }
                Ok(Box::new(BooleanQuery::with_minimum_required_clauses(
                    terms.iter().map(|t| (Occur::Should, leaf(t))).collect(),
                    msm.max(1),
                )))
            }
        }
    }

    fn phrase(&self, path: &str, info: &FieldInfo, m: &MatchPhraseQuery) -> Result<Q> {
        if info.kind != FieldKind::Text {
            if m.prefix.is_some() && info.kind == FieldKind::Keyword {
                return self.regex(
                    path,
                    info,
                    &format!("{}.*", regex_escape(&m.query)),
                    false,
                    "prefix",
                );
            }
            return self.term(path, info, &Scalar::String(m.query.clone()), false);
        }
        let terms = self.analyzed(&m.query, m.analyzer.as_deref());
        if terms.is_empty() {
            return Ok(match m.zero_terms_query {
                ZeroTermsQuery::All => Box::new(AllQuery),
                ZeroTermsQuery::None => none(),
            });
        }
        if terms.len() == 1 {
            return match m.prefix {
                Some(_) => self.regex(
                    path,
                    info,
                    &format!("{}.*", regex_escape(&terms[0])),
                    false,
                    "prefix",
                ),
                None => Ok(Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        self.txt_str(path, &terms[0]),
                        IndexRecordOption::WithFreqs,
                    )),
                    BM25_SCALE,
                ))),
            };
        }
        let with_offsets: Vec<(usize, Term)> = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (i, self.txt_str(path, t)))
            .collect();
        Ok(match m.prefix {
            Some(max_expansions) => {
                let mut q = PhrasePrefixQuery::new_with_offset(with_offsets);
                q.set_max_expansions(max_expansions);
                Box::new(BoostQuery::new(Box::new(q), BM25_SCALE))
            }
            None => Box::new(BoostQuery::new(
                Box::new(PhraseQuery::new_with_offset_and_slop(with_offsets, m.slop)),
                BM25_SCALE,
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_become_inclusive_bounds() {
        let (lo, hi) = ip_block("10.1.0.0/16").expect("block");
        assert_eq!(lo, "::ffff:10.1.0.0".parse::<Ipv6Addr>().expect("ip"));
        assert_eq!(hi, "::ffff:10.1.255.255".parse::<Ipv6Addr>().expect("ip"));
        assert!(ip_block("10.0.0.0/40").is_none());
        assert!(ip_block("nope").is_none());
    }

    #[test]
    fn wildcards_escape_everything_else() {
        assert_eq!(wildcard_regex("a*b?.c\\*"), "a.*b.\\.c\\*");
    }
}
