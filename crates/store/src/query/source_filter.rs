//! `_source` filtering: includes and excludes (`*` wildcards, dotted paths into objects,
//! dots in field names) applied to a document's `_source` as Elasticsearch's
//! `XContentMapValues.filter` applies them, for `GET`, search hits and `top_hits`; and the
//! `_source`, `_source_includes` and `_source_excludes` URL parameters
//! (`FetchSourceContext.parseFromRestRequest`).
//!
//! Elasticsearch compiles the patterns to automata and walks the document key by key; here a
//! pattern is walked the same way as a small set of positions in the pattern (`*` stays, a
//! literal advances), which is the same automaton run without building it. A pattern `p`
//! also matches everything under it (`p.` followed by anything), as Elasticsearch makes it.

use serde_json::{Map, Value};

use crate::StoreError;
use crate::query::SourceFilter;

impl SourceFilter {
    /// The `_source` to return for `source`: `None` when no source is requested.
    pub fn apply(&self, source: &Value) -> Option<Value> {
        match self {
            SourceFilter::All => Some(source.clone()),
            SourceFilter::None => None,
            SourceFilter::Filter { includes, excludes } => {
                Some(SourceMatcher::new(includes, excludes).filter(source))
            }
        }
    }

    /// The filter compiled once, for many documents (search hits).
    pub fn matcher(&self) -> Option<SourceMatcher> {
        match self {
            SourceFilter::None => None,
            SourceFilter::All => Some(SourceMatcher::new(&[], &[])),
            SourceFilter::Filter { includes, excludes } => {
                Some(SourceMatcher::new(includes, excludes))
            }
        }
    }

    /// Elasticsearch's `FetchSourceContext.of(fetch, includes, excludes)` as a filter: no
    /// patterns is the whole source.
    pub fn from_parts(fetch: bool, includes: Vec<String>, excludes: Vec<String>) -> Self {
        if !fetch {
            SourceFilter::None
        } else if includes.is_empty() && excludes.is_empty() {
            SourceFilter::All
        } else {
            SourceFilter::Filter { includes, excludes }
        }
    }
}

/// Include and exclude patterns ready to filter documents.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceMatcher {
    includes: Option<Patterns>,
    excludes: Patterns,
}

impl SourceMatcher {
    /// Compiles `includes` (everything when empty) and `excludes`.
    pub fn new(includes: &[String], excludes: &[String]) -> Self {
        Self {
            includes: (!includes.is_empty()).then(|| Patterns::new(includes)),
            excludes: Patterns::new(excludes),
        }
    }

    /// `source` filtered. A `_source` that is not an object is returned as it is.
    pub fn filter(&self, source: &Value) -> Value {
        match source {
            Value::Object(map) => {
                if self.includes.is_none() && self.excludes.patterns.is_empty() {
                    return source.clone();
                }
                let include = Automaton::from(self.includes.as_ref());
                let exclude = Automaton::Patterns(&self.excludes);
                Value::Object(filter_map(
                    map,
                    include,
                    &include.start(),
                    &exclude,
                    &exclude.start(),
                ))
            }
            other => other.clone(),
        }
    }
}

/// One `*` pattern: its characters, `None` for a `*`, followed by the `.`-and-anything tail
/// that makes a pattern match what lies under it.
#[derive(Debug, Clone, PartialEq)]
struct Pattern {
    tokens: Vec<Option<char>>,
    /// Where the pattern proper ends (an accepting position); the other is the end of the
    /// tail.
    end: usize,
}

#[derive(Debug, Clone, PartialEq)]
struct Patterns {
    patterns: Vec<Pattern>,
}

impl Patterns {
    fn new(patterns: &[String]) -> Self {
        Self {
            patterns: patterns
                .iter()
                .map(|p| {
                    let mut tokens: Vec<Option<char>> =
                        p.chars().map(|c| (c != '*').then_some(c)).collect();
                    let end = tokens.len();
                    tokens.push(Some('.'));
                    tokens.push(None);
                    Pattern { tokens, end }
                })
                .collect(),
        }
    }
}

/// The positions reached in each pattern; no position anywhere is the dead state (`-1`).
type State = Vec<Vec<usize>>;

#[derive(Debug, Clone, Copy)]
enum Automaton<'a> {
    /// Every string (no includes given).
    Any,
    Patterns(&'a Patterns),
}

/// The state of an [`Automaton`] run: `Any` is always alive and accepting.
#[derive(Debug, Clone, PartialEq)]
enum Run {
    Any,
    At(State),
}

impl<'a> From<Option<&'a Patterns>> for Automaton<'a> {
    fn from(p: Option<&'a Patterns>) -> Self {
        p.map_or(Automaton::Any, Automaton::Patterns)
    }
}

fn closure(pattern: &Pattern, positions: &mut Vec<usize>) {
    let mut i = 0;
    while i < positions.len() {
        let p = positions[i];
        if p < pattern.tokens.len() && pattern.tokens[p].is_none() && !positions.contains(&(p + 1))
        {
            positions.push(p + 1);
        }
        i += 1;
    }
    positions.sort_unstable();
    positions.dedup();
}

impl Automaton<'_> {
    fn start(&self) -> Run {
        match self {
            Automaton::Any => Run::Any,
            Automaton::Patterns(ps) => Run::At(
                ps.patterns
                    .iter()
                    .map(|p| {
                        let mut start = vec![0];
                        closure(p, &mut start);
                        start
                    })
                    .collect(),
            ),
        }
    }

    fn step_char(&self, run: &Run, c: char) -> Run {
        match (self, run) {
            (Automaton::Patterns(ps), Run::At(state)) => Run::At(
                ps.patterns
                    .iter()
                    .zip(state)
                    .map(|(p, positions)| {
                        let mut next = Vec::new();
                        for &pos in positions {
                            match p.tokens.get(pos) {
                                Some(None) => next.push(pos),
                                Some(Some(t)) if *t == c => next.push(pos + 1),
                                _ => {}
                            }
                        }
                        closure(p, &mut next);
                        next
                    })
                    .collect(),
            ),
            _ => Run::Any,
        }
    }

    fn step(&self, run: &Run, key: &str) -> Run {
        let mut run = run.clone();
        for c in key.chars() {
            if is_dead(&run) {
                break;
            }
            run = self.step_char(&run, c);
        }
        run
    }

    fn accepts(&self, run: &Run) -> bool {
        match (self, run) {
            (Automaton::Patterns(ps), Run::At(state)) => {
                ps.patterns.iter().zip(state).any(|(p, positions)| {
                    positions
                        .iter()
                        .any(|&pos| pos == p.end || pos == p.tokens.len())
                })
            }
            _ => true,
        }
    }
}

fn is_dead(run: &Run) -> bool {
    match run {
        Run::Any => false,
        Run::At(state) => state.iter().all(Vec::is_empty),
    }
}

/// `XContentMapValues.filter` over an object.
fn filter_map(
    map: &Map<String, Value>,
    include: Automaton<'_>,
    include_start: &Run,
    exclude: &Automaton<'_>,
    exclude_start: &Run,
) -> Map<String, Value> {
    let mut filtered = Map::new();
    for (key, value) in map {
        let include_state = include.step(include_start, key);
        if is_dead(&include_state) {
            continue;
        }
        let mut exclude_state = exclude.step(exclude_start, key);
        if !is_dead(&exclude_state) && exclude.accepts(&exclude_state) {
            continue;
        }
        let mut sub_include = include;
        let mut sub_state = include_state.clone();
        let accepted = include.accepts(&include_state);
        if accepted {
            if is_dead(&exclude_state) || is_dead(&exclude.step_char(&exclude_state, '.')) {
                // No exclude can match inside: the whole value.
                filtered.insert(key.clone(), value.clone());
                continue;
            }
            // The include matched the object: only excludes matter below it.
            sub_include = Automaton::Any;
            sub_state = Run::Any;
        }
        match value {
            Value::Object(inner) => {
                sub_state = sub_include.step_char(&sub_state, '.');
                if is_dead(&sub_state) {
                    continue;
                }
                if !is_dead(&exclude_state) {
                    exclude_state = exclude.step_char(&exclude_state, '.');
                }
                let inner = filter_map(inner, sub_include, &sub_state, exclude, &exclude_state);
                if accepted || !inner.is_empty() {
                    filtered.insert(key.clone(), Value::Object(inner));
                }
            }
            Value::Array(items) => {
                let inner = filter_list(items, sub_include, &sub_state, exclude, &exclude_state);
                if accepted || !inner.is_empty() {
                    filtered.insert(key.clone(), Value::Array(inner));
                }
            }
            leaf => {
                if accepted && (is_dead(&exclude_state) || !exclude.accepts(&exclude_state)) {
                    filtered.insert(key.clone(), leaf.clone());
                }
            }
        }
    }
    filtered
}

/// `XContentMapValues.filter` over an array: values are kept only when the key holding the
/// array is itself included.
fn filter_list(
    items: &[Value],
    include: Automaton<'_>,
    include_start: &Run,
    exclude: &Automaton<'_>,
    exclude_start: &Run,
) -> Vec<Value> {
    let is_include = include.accepts(include_start);
    let mut filtered = Vec::new();
    for value in items {
        match value {
            Value::Object(inner) => {
                let include_state = include.step_char(include_start, '.');
                let exclude_state = if is_dead(exclude_start) {
                    exclude_start.clone()
                } else {
                    exclude.step_char(exclude_start, '.')
                };
                let inner = filter_map(inner, include, &include_state, exclude, &exclude_state);
                if !inner.is_empty() {
                    filtered.push(Value::Object(inner));
                }
            }
            Value::Array(inner) => {
                let inner = filter_list(inner, include, include_start, exclude, exclude_start);
                if !inner.is_empty() {
                    filtered.push(Value::Array(inner));
                }
            }
            leaf => {
                if is_include {
                    filtered.push(leaf.clone());
                }
            }
        }
    }
    filtered
}

/// Elasticsearch's `Strings.splitStringByCommaToArray`: trimmed, empty parts dropped.
pub(crate) fn split_commas(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The `_source`, `_source_includes` and `_source_excludes` URL parameters
/// (`FetchSourceContext.parseFromRestRequest`): `None` when none is given. `_source` is
/// `true`, `false` or a list of includes; `_source_includes` replaces those includes.
pub fn parse_source_params(
    params: &[(String, String)],
) -> Result<Option<SourceFilter>, StoreError> {
    let param = |name: &str| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let mut fetch = None;
    let mut includes = None;
    let mut excludes = None;
    if let Some(source) = param("_source") {
        match source {
            "true" => fetch = Some(true),
            "false" => fetch = Some(false),
            other => includes = Some(split_commas(other)),
        }
    }
    if let Some(i) = param("_source_includes") {
        includes = Some(split_commas(i));
    }
    if let Some(e) = param("_source_excludes") {
        excludes = Some(split_commas(e));
    }
    if fetch.is_none() && includes.is_none() && excludes.is_none() {
        return Ok(None);
    }
    Ok(Some(SourceFilter::from_parts(
        fetch.unwrap_or(true),
        includes.unwrap_or_default(),
        excludes.unwrap_or_default(),
    )))
}

#[cfg(test)]
#[path = "source_filter_tests.rs"]
mod tests;
