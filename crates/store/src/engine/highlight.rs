//! Search highlighting as Elasticsearch's plain highlighter does it: the terms of the query
//! (per field, with `require_field_match`) are looked for in each value of each requested
//! text or keyword field, analysed as the field is indexed; matches are wrapped in the tags
//! and the value is cut into fragments of about `fragment_size` characters, Lucene's
//! `Highlighter` with its `SimpleSpanFragmenter` (or `SimpleFragmenter`, or none for
//! `number_of_fragments: 0`), scored by the distinct terms each fragment holds.
//!
//! Offsets and sizes count UTF-16 units, as Java's strings do, so fragments are cut where
//! Elasticsearch cuts them.

use std::collections::{BTreeMap, HashMap};

use ironstack_types::wildcard::{Syntax, matches_with};
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::query::{
    Fuzziness, Highlight, HighlightEncoder, MatchPhraseQuery, MatchQuery, Query, ResolvedOptions,
    Scalar,
};

use super::analysis::standard_tokens;
use super::{FieldKind, FieldTypes};

/// `index.highlight.max_analyzed_offset`'s default: longer values are refused unless the
/// request sets `max_analyzed_offset`.
pub(crate) const MAX_ANALYZED_OFFSET: usize = 1_000_000;

/// What one leaf query asks to highlight, before a field's analysis.
#[derive(Debug, Clone)]
struct QueryTerm {
    /// The field (or pattern) the query named.
    field: String,
    what: Wanted,
    /// The query's boost: the weight of each distinct term in a fragment's score.
    weight: f32,
}

/// What a leaf query looks for.
#[derive(Debug, Clone)]
enum Wanted {
    /// `match`: the text, analysed as the field is.
    Analyzed {
        text: String,
        analyzer: Option<String>,
        fuzziness: Option<Fuzziness>,
        prefix_length: u32,
        transpositions: bool,
    },
    /// `term`, `terms`: the value as it is.
    Exact {
        value: String,
        case_insensitive: bool,
    },
    /// `prefix`.
    Prefix {
        value: String,
        case_insensitive: bool,
    },
    /// `wildcard`.
    Wildcard {
        pattern: String,
        case_insensitive: bool,
    },
    /// `regexp`.
    Regexp {
        pattern: String,
        case_insensitive: bool,
    },
    /// `match_phrase` and `match_phrase_prefix`: the terms at consecutive positions.
    Phrase {
        text: String,
        analyzer: Option<String>,
        slop: u32,
        prefix: bool,
    },
}

/// The leaf queries whose terms highlight: every clause but `must_not` (and `boosting`'s
/// `negative`), filters included, as Lucene's `WeightedSpanTermExtractor` walks them.
fn extract(query: &Query, out: &mut Vec<QueryTerm>) {
    let mut push = |field: &str, what: Wanted, weight: f32| {
        out.push(QueryTerm {
            field: field.to_string(),
            what,
            weight: if weight > 0.0 { weight } else { 1.0 },
        });
    };
    match query {
        Query::Term {
            field,
            value,
            case_insensitive,
            boost,
        } => push(
            field,
            Wanted::Exact {
                value: scalar_text(value),
                case_insensitive: *case_insensitive,
            },
            *boost,
        ),
        Query::Terms {
            field,
            values,
            boost,
        } => {
            for value in values {
                push(
                    field,
                    Wanted::Exact {
                        value: scalar_text(value),
                        case_insensitive: false,
                    },
                    *boost,
                );
            }
        }
        Query::Prefix {
            field,
            value,
            case_insensitive,
            boost,
        } => push(
            field,
            Wanted::Prefix {
                value: value.clone(),
                case_insensitive: *case_insensitive,
            },
            *boost,
        ),
        Query::Wildcard {
            field,
            pattern,
            case_insensitive,
            boost,
        } => push(
            field,
            Wanted::Wildcard {
                pattern: pattern.clone(),
                case_insensitive: *case_insensitive,
            },
            *boost,
        ),
        Query::Regexp {
            field,
            pattern,
            case_insensitive,
            boost,
        } => push(
            field,
            Wanted::Regexp {
                pattern: pattern.clone(),
                case_insensitive: *case_insensitive,
            },
            *boost,
        ),
        Query::Match(MatchQuery {
            field,
            query,
            fuzziness,
            prefix_length,
            fuzzy_transpositions,
            analyzer,
            boost,
            ..
        }) => push(
            field,
            Wanted::Analyzed {
                text: scalar_text(query),
                analyzer: analyzer.clone(),
                fuzziness: *fuzziness,
                prefix_length: *prefix_length,
                transpositions: *fuzzy_transpositions,
            },
            *boost,
        ),
        Query::MatchPhrase(MatchPhraseQuery {
            field,
            query,
            slop,
            prefix,
            analyzer,
            boost,
            ..
        }) => push(
            field,
            Wanted::Phrase {
                text: query.clone(),
                analyzer: analyzer.clone(),
                slop: *slop,
                prefix: prefix.is_some(),
            },
            *boost,
        ),
        Query::Bool(b) => {
            for clause in b.must.iter().chain(&b.filter).chain(&b.should) {
                extract(clause, out);
            }
        }
        Query::ConstantScore { filter, .. } => extract(filter, out),
        Query::Boosting { positive, .. } => extract(positive, out),
        Query::DisMax { queries, .. } => {
            for clause in queries {
                extract(clause, out);
            }
        }
        Query::MatchAll { .. }
        | Query::MatchNone
        | Query::Range(_)
        | Query::Exists { .. }
        | Query::Ids { .. } => {}
    }
}

fn scalar_text(value: &Scalar) -> String {
    match value {
        Scalar::String(s) => s.clone(),
        Scalar::Long(n) => n.to_string(),
        Scalar::Double(f) => f.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }
}

/// How one token of a field value is recognised.
#[derive(Debug)]
enum TokenMatch {
    Exact(String),
    /// Compared lower-cased.
    CaseInsensitive(String),
    Prefix {
        prefix: String,
        case_insensitive: bool,
    },
    Wildcard {
        pattern: String,
        case_insensitive: bool,
    },
    Regex(regex::Regex),
    Fuzzy {
        term: Vec<char>,
        edits: u8,
        prefix: usize,
        transpositions: bool,
    },
}

impl TokenMatch {
    fn matches(&self, token: &str) -> bool {
        match self {
            TokenMatch::Exact(t) => t == token,
            TokenMatch::CaseInsensitive(t) => *t == token.to_lowercase(),
            TokenMatch::Prefix {
                prefix,
                case_insensitive: false,
            } => token.starts_with(prefix.as_str()),
            TokenMatch::Prefix {
                prefix,
                case_insensitive: true,
            } => token.to_lowercase().starts_with(&prefix.to_lowercase()),
            TokenMatch::Wildcard {
                pattern,
                case_insensitive,
            } => {
                let syntax = if *case_insensitive {
                    Syntax::LUCENE.ignore_case()
                } else {
                    Syntax::LUCENE
                };
                matches_with(pattern, token, syntax)
            }
            TokenMatch::Regex(re) => re.is_match(token),
            TokenMatch::Fuzzy {
                term,
                edits,
                prefix,
                transpositions,
            } => {
                let token: Vec<char> = token.chars().collect();
                token.len() >= *prefix
                    && term.len() >= *prefix
                    && token[..*prefix] == term[..*prefix]
                    && edit_distance(term, &token, *transpositions) <= usize::from(*edits)
            }
        }
    }
}

/// Levenshtein distance, with adjacent transpositions counted as one edit when asked
/// (Lucene's fuzzy queries' default).
fn edit_distance(a: &[char], b: &[char], transpositions: bool) -> usize {
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// What to look for in one field's values.
#[derive(Debug, Default)]
struct FieldMatchers {
    /// Single exact terms (a `terms` query may bring thousands): any occurrence highlights.
    exact: HashMap<String, f32>,
    /// Single terms compared lower-cased.
    lowered: HashMap<String, f32>,
    /// Other single terms (prefixes, patterns, fuzzy terms).
    other: Vec<(TokenMatch, f32)>,
    /// Phrases: only occurrences in order (within `slop`) highlight.
    phrases: Vec<(Vec<TokenMatch>, u32, f32)>,
}

impl FieldMatchers {
    fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.lowered.is_empty()
            && self.other.is_empty()
            && self.phrases.is_empty()
    }

    fn add(&mut self, m: TokenMatch, weight: f32) {
        let slot = match m {
            TokenMatch::Exact(t) => self.exact.entry(t).or_insert(0.0),
            TokenMatch::CaseInsensitive(t) => self.lowered.entry(t).or_insert(0.0),
            other => {
                self.other.push((other, weight));
                return;
            }
        };
        *slot = slot.max(weight);
    }

    /// The weight `token` highlights with on its own (0 for none).
    fn weight(&self, token: &str) -> f32 {
        let mut w = self.exact.get(token).copied().unwrap_or(0.0);
        if !self.lowered.is_empty() {
            w = w.max(
                self.lowered
                    .get(&token.to_lowercase())
                    .copied()
                    .unwrap_or(0.0),
            );
        }
        for (m, weight) in &self.other {
            if *weight > w && m.matches(token) {
                w = *weight;
            }
        }
        w
    }
}

/// The analysis a field's values get: the standard analyzer for text, the whole value for
/// keywords.
fn analyze_as(kind: FieldKind, text: &str, analyzer: Option<&str>) -> Vec<String> {
    if kind != FieldKind::Text {
        return vec![text.to_string()];
    }
    match analyzer {
        Some("keyword") => vec![text.to_string()],
        Some("whitespace") => text.split_whitespace().map(str::to_string).collect(),
        Some("simple") | Some("stop") => text
            .split(|c: char| !c.is_alphabetic())
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase)
            .collect(),
        _ => standard_tokens(text).into_iter().map(|t| t.0).collect(),
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

/// The query terms that apply to the field `path` of kind `kind`, analysed for it.
fn matchers_for(
    terms: &[QueryTerm],
    path: &str,
    kind: FieldKind,
    require_field_match: bool,
) -> FieldMatchers {
    let mut out = FieldMatchers::default();
    for t in terms {
        if require_field_match && !ironstack_types::wildcard::simple_match(&t.field, path) {
            continue;
        }
        match &t.what {
            Wanted::Analyzed {
                text,
                analyzer,
                fuzziness,
                prefix_length,
                transpositions,
            } => {
                for term in analyze_as(kind, text, analyzer.as_deref()) {
                    let edits = fuzziness.map_or(0, |f| fuzzy_edits(f, &term));
                    let m = if edits > 0 {
                        TokenMatch::Fuzzy {
                            term: term.chars().collect(),
                            edits,
                            prefix: usize::try_from(*prefix_length).unwrap_or(usize::MAX),
                            transpositions: *transpositions,
                        }
                    } else {
                        TokenMatch::Exact(term)
                    };
                    out.add(m, t.weight);
                }
            }
            Wanted::Exact {
                value,
                case_insensitive,
            } => {
                let m = if *case_insensitive {
                    TokenMatch::CaseInsensitive(value.to_lowercase())
                } else {
                    TokenMatch::Exact(value.clone())
                };
                out.add(m, t.weight);
            }
            Wanted::Prefix {
                value,
                case_insensitive,
            } => out.add(
                TokenMatch::Prefix {
                    prefix: value.clone(),
                    case_insensitive: *case_insensitive,
                },
                t.weight,
            ),
            Wanted::Wildcard {
                pattern,
                case_insensitive,
            } => out.add(
                TokenMatch::Wildcard {
                    pattern: pattern.clone(),
                    case_insensitive: *case_insensitive,
                },
                t.weight,
            ),
            Wanted::Regexp {
                pattern,
                case_insensitive,
            } => {
                let full = format!(
                    "{}^(?:{pattern})$",
                    if *case_insensitive { "(?i)" } else { "" }
                );
                // The search compiled the same expression already; one that does not
                // compile here highlights nothing rather than failing the fetch.
                if let Ok(re) = regex::Regex::new(&full) {
                    out.add(TokenMatch::Regex(re), t.weight);
                }
            }
            Wanted::Phrase {
                text,
                analyzer,
                slop,
                prefix,
            } => {
                let words = analyze_as(kind, text, analyzer.as_deref());
                let count = words.len();
                let mut parts: Vec<TokenMatch> = words
                    .into_iter()
                    .enumerate()
                    .map(|(i, w)| {
                        if *prefix && i + 1 == count {
                            TokenMatch::Prefix {
                                prefix: w,
                                case_insensitive: false,
                            }
                        } else {
                            TokenMatch::Exact(w)
                        }
                    })
                    .collect();
                match parts.len() {
                    0 => {}
                    // A phrase of one term is a term query: any occurrence highlights.
                    1 => {
                        if let Some(m) = parts.pop() {
                            out.add(m, t.weight);
                        }
                    }
                    _ => out.phrases.push((parts, *slop, t.weight)),
                }
            }
        }
    }
    out
}

/// One token of a value: its text and offsets (bytes and UTF-16 units).
#[derive(Debug)]
struct Tok {
    text: String,
    start: usize,
    end: usize,
    start16: usize,
    end16: usize,
}

/// The tokens of a value as its field indexes it, up to `max_offset` (UTF-16 units) when
/// `max_analyzed_offset` limits the analysis.
fn tokens(kind: FieldKind, text: &str, max_offset: Option<usize>) -> Vec<Tok> {
    let raw: Vec<(String, usize, usize)> = if kind == FieldKind::Text {
        standard_tokens(text)
    } else {
        vec![(text.to_string(), 0, text.len())]
    };
    // Offsets only grow, so one walk converts them all.
    let mut byte = 0;
    let mut units = 0;
    let mut to16 = |at: usize| {
        if let Some(gap) = text.get(byte..at) {
            units += gap.encode_utf16().count();
            byte = at;
        }
        units
    };
    let mut out = Vec::with_capacity(raw.len());
    for (t, start, end) in raw {
        let start16 = to16(start);
        let end16 = to16(end);
        if max_offset.is_some_and(|max| start16 > max) {
            break;
        }
        out.push(Tok {
            text: t,
            start,
            end,
            start16,
            end16,
        });
    }
    out
}

/// Per token, the weight it highlights with (0 for none) and whether it continues a phrase
/// occurrence begun at the token before it (a fragment never starts there).
fn score_tokens(toks: &[Tok], matchers: &FieldMatchers) -> (Vec<f32>, Vec<bool>) {
    let mut weights: Vec<f32> = toks.iter().map(|t| matchers.weight(&t.text)).collect();
    let mut continues = vec![false; toks.len()];
    // Ranges of tokens inside an occurrence (after its first token), summed at the end so
    // that long or overlapping occurrences cost no more than their ends.
    let mut inside = vec![0i64; toks.len() + 1];
    for (parts, slop, w) in &matchers.phrases {
        // Where each part matches, in order: an occurrence is found by binary searches.
        let at: Vec<Vec<usize>> = parts
            .iter()
            .map(|part| {
                toks.iter()
                    .enumerate()
                    .filter(|(_, t)| part.matches(&t.text))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let Some(starts) = at.first() else { continue };
        for &start in starts {
            if let Some(positions) = phrase_at(&at[1..], start, *slop as usize) {
                for &p in &positions {
                    weights[p] = weights[p].max(*w);
                }
                if let Some(&last) = positions.last() {
                    inside[start + 1] += 1;
                    inside[last + 1] -= 1;
                }
            }
        }
    }
    let mut depth = 0;
    for (c, step) in continues.iter_mut().zip(&inside) {
        depth += step;
        *c = depth > 0;
    }
    (weights, continues)
}

/// The positions of an occurrence of a phrase whose first term is at `start`: each next term
/// at its first position after the previous one (`rest` lists where each matches), with at
/// most `slop` positions skipped in all.
fn phrase_at(rest: &[Vec<usize>], start: usize, slop: usize) -> Option<Vec<usize>> {
    let mut positions = vec![start];
    let mut skipped = 0;
    let mut at = start;
    for matches in rest {
        let next = *matches.get(matches.partition_point(|&p| p <= at))?;
        skipped += next - at - 1;
        if skipped > slop {
            return None;
        }
        positions.push(next);
        at = next;
    }
    Some(positions)
}

/// A fragment of one value.
#[derive(Debug, Clone)]
struct Fragment {
    text: String,
    /// Its number within the value (Lucene's `fragNum`).
    num: usize,
}

/// Lucene's fragmenters, asked at each token after the first whether it starts a fragment.
enum Fragmenter {
    /// `number_of_fragments: 0`: never.
    Null,
    /// `simple`: every `fragment_size` characters.
    Simple { size: i64, count: i64 },
    /// `span` (the default): as `simple`, keeping phrase occurrences whole and leaving no
    /// fragment shorter than half the size at the end.
    Span { size: i64, count: i64, len16: i64 },
}

impl Fragmenter {
    fn is_new_fragment(&mut self, tok: &Tok, continues_phrase: bool) -> bool {
        match self {
            Fragmenter::Null => false,
            Fragmenter::Simple { size, count } => {
                let new = tok.end16 as i64 > size.saturating_mul(*count);
                if new {
                    *count += 1;
                }
                new
            }
            Fragmenter::Span { size, count, len16 } => {
                if continues_phrase {
                    return false;
                }
                // `fragmentSize >>> 1` of a Java int.
                let half = i64::from((*size as i32 as u32) >> 1);
                let new = tok.end16 as i64 >= size.saturating_mul(*count)
                    && *len16 - tok.start16 as i64 >= half;
                if new {
                    *count += 1;
                }
                new
            }
        }
    }
}

/// HTML escaping as Lucene's `SimpleHTMLEncoder` does it.
fn encode(text: &str, encoder: HighlightEncoder, out: &mut String) {
    if encoder == HighlightEncoder::Default {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#x27;"),
            '/' => out.push_str("&#x2F;"),
            c => out.push(c),
        }
    }
}

/// Lucene's `Highlighter.getBestTextFragments` over one value: the value cut into
/// fragments, the best `max` of them (by score, then position) with a score above zero,
/// marked up. Only the fragments kept are rendered, so the tags cost what the answer shows.
fn best_fragments(
    text: &str,
    toks: &[Tok],
    matchers: &FieldMatchers,
    options: &ResolvedOptions,
    mut fragmenter: Fragmenter,
    max: usize,
) -> Vec<Fragment> {
    let (weights, continues) = score_tokens(toks, matchers);
    // Fragment k covers the text from `starts[k].0` and the tokens from `starts[k].1`: a new
    // one begins right after the token before the one that starts it, so the separator
    // between them opens the new fragment (as in Lucene).
    let mut starts: Vec<(usize, usize)> = vec![(0, 0)];
    let mut scores: Vec<f32> = Vec::new();
    // A fragment's score: the weights of the distinct terms it highlights.
    let mut found: HashMap<&str, f32> = HashMap::new();
    for (i, tok) in toks.iter().enumerate() {
        if i > 0 && fragmenter.is_new_fragment(tok, continues[i]) {
            scores.push(found.values().sum());
            found.clear();
            starts.push((toks[i - 1].end, i));
        }
        if weights[i] > 0.0 {
            let w = found.entry(tok.text.as_str()).or_insert(0.0);
            *w = w.max(weights[i]);
        }
    }
    scores.push(found.values().sum());
    // Lucene's `FragmentQueue`: best score first, the earlier fragment on a tie.
    let mut best: Vec<(usize, f32)> = scores.into_iter().enumerate().collect();
    best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    best.truncate(max);
    best.retain(|(_, score)| *score > 0.0);
    best.into_iter()
        .map(|(num, _)| {
            let (from, first) = starts[num];
            let (to, end_tok) = starts
                .get(num + 1)
                .copied()
                .unwrap_or((text.len(), toks.len()));
            let mut out = String::with_capacity(to - from + 16);
            let mut at = from;
            for (tok, weight) in toks[first..end_tok].iter().zip(&weights[first..end_tok]) {
                encode(&text[at..tok.start], options.encoder, &mut out);
                if *weight > 0.0 {
                    out.push_str(&options.pre_tag);
                    encode(&text[tok.start..tok.end], options.encoder, &mut out);
                    out.push_str(&options.post_tag);
                } else {
                    encode(&text[tok.start..tok.end], options.encoder, &mut out);
                }
                at = tok.end;
            }
            encode(&text[at..to], options.encoder, &mut out);
            Fragment { text: out, num }
        })
        .collect()
}

/// `findGoodEndForNoHighlightExcerpt`: the end (bytes) of the last token ending within
/// `size` characters, or the end of the last token when all fit.
fn no_match_end(toks: &[Tok], size: usize) -> Option<usize> {
    let mut end = None;
    for tok in toks {
        if tok.end16 >= size {
            return if tok.end16 == size {
                Some(tok.end)
            } else {
                end
            };
        }
        end = Some(tok.end);
    }
    end
}

/// One highlighted field as the plan for an index has it.
#[derive(Debug)]
struct FieldPlan {
    /// The name the response shows.
    path: String,
    /// Where its values are in the `_source`: a multi-field (`message.keyword`) has its
    /// parent's.
    source_path: String,
    kind: FieldKind,
    options: ResolvedOptions,
    matchers: FieldMatchers,
}

/// What to highlight in the hits of one index: the requested fields expanded over its
/// visible text and keyword fields, each with the terms that apply to it.
#[derive(Debug)]
pub(crate) struct Plan {
    fields: Vec<FieldPlan>,
}

impl Plan {
    /// The plan for `index`. `types` is the caller's view (field-level security applied: a
    /// hidden field is neither expanded nor highlighted); `query` is the search's query,
    /// used when the request pinned none.
    pub(crate) fn new(
        index: &str,
        highlight: &Highlight,
        query: &Query,
        types: &dyn FieldTypes,
    ) -> Result<Plan> {
        let mut fields: Vec<FieldPlan> = Vec::new();
        for field in &highlight.fields {
            let options = highlight.resolve(field);
            if !matches!(
                options.highlighter_type.as_str(),
                "plain" | "unified" | "fvh"
            ) {
                return Err(StoreError::ShardIllegalArgument {
                    index: index.to_string(),
                    reason: format!(
                        "unknown highlighter type [{}] for the field [{}]",
                        options.highlighter_type, field.name
                    ),
                });
            }
            let names = if field.name.contains('*') {
                types.expand(index, &field.name)
            } else {
                vec![field.name.clone()]
            };
            let mut terms = Vec::new();
            extract(highlight.query_for(field, query), &mut terms);
            for path in names {
                let Some(info) = types.field(index, &path) else {
                    continue;
                };
                if !matches!(info.kind, FieldKind::Text | FieldKind::Keyword) {
                    continue;
                }
                if options.number_of_fragments != 0
                    && let Some(other) = options
                        .fragmenter
                        .as_deref()
                        .filter(|f| !matches!(*f, "simple" | "span"))
                {
                    return Err(StoreError::ShardIllegalArgument {
                        index: index.to_string(),
                        reason: format!(
                            "unknown fragmenter option [{other}] for the field [{path}]"
                        ),
                    });
                }
                let matchers = matchers_for(&terms, &path, info.kind, options.require_field_match);
                let source_path = match path.rsplit_once('.') {
                    Some((parent, _)) if types.field(index, parent).is_some() => parent.to_string(),
                    _ => path.clone(),
                };
                let plan = FieldPlan {
                    path,
                    source_path,
                    kind: info.kind,
                    options: options.clone(),
                    matchers,
                };
                // A field named twice keeps its place and takes the later options.
                match fields.iter_mut().find(|f| f.path == plan.path) {
                    Some(existing) => *existing = plan,
                    None => fields.push(plan),
                }
            }
        }
        Ok(Plan { fields })
    }

    /// The `highlight` of one hit of `index` (`id`, its `_source`); `None` when no field has
    /// anything to show.
    pub(crate) fn apply(
        &self,
        index: &str,
        id: &str,
        source: &Value,
    ) -> Result<Option<BTreeMap<String, Vec<String>>>> {
        let mut out = BTreeMap::new();
        for field in &self.fields {
            let values = field_values(source, &field.source_path);
            if values.is_empty() {
                continue;
            }
            if let Some(fragments) = highlight_field(index, id, field, &values)? {
                out.insert(field.path.clone(), fragments);
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }
}

/// `PlainHighlighter.highlight` for one field of one hit.
fn highlight_field(
    index: &str,
    id: &str,
    field: &FieldPlan,
    values: &[String],
) -> Result<Option<Vec<String>>> {
    let options = &field.options;
    let limit = options
        .max_analyzed_offset
        .and_then(|m| usize::try_from(m).ok());
    let n = usize::try_from(options.number_of_fragments).unwrap_or(0);
    let mut all: Vec<Fragment> = Vec::new();
    let mut first_tokens = None;
    for text in values {
        let len16 = text.encode_utf16().count();
        if limit.is_none_or(|l| l > MAX_ANALYZED_OFFSET) && len16 > MAX_ANALYZED_OFFSET {
            return Err(StoreError::ShardIllegalArgument {
                index: index.to_string(),
                reason: format!(
                    "The length [{len16}] of field [{}] in doc[{id}]/index[{index}] exceeds the [index.highlight.max_analyzed_offset] limit [{MAX_ANALYZED_OFFSET}]. To avoid this error, set the query parameter [max_analyzed_offset] to a value less than index setting [{MAX_ANALYZED_OFFSET}] and this will tolerate long field values by truncating them.",
                    field.path
                ),
            });
        }
        let toks = tokens(field.kind, text, limit);
        if !field.matchers.is_empty() {
            let size = i64::from(options.fragment_size);
            let fragmenter = if n == 0 {
                Fragmenter::Null
            } else if options.fragmenter.as_deref() == Some("simple") {
                Fragmenter::Simple { size, count: 1 }
            } else {
                Fragmenter::Span {
                    size,
                    count: 1,
                    len16: len16 as i64,
                }
            };
            all.extend(best_fragments(
                text,
                &toks,
                &field.matchers,
                options,
                fragmenter,
                n.max(1),
            ));
        }
        if first_tokens.is_none() {
            first_tokens = Some(toks);
        }
    }
    if !options.score_ordered {
        // Stable: fragments of the same number keep their values' order.
        all.sort_by_key(|f| f.num);
    }
    let take = if n == 0 && values.len() > 1 {
        all.len()
    } else {
        all.len().min(n.max(1))
    };
    if take > 0 {
        return Ok(Some(all.into_iter().take(take).map(|f| f.text).collect()));
    }
    let no_match = usize::try_from(options.no_match_size).unwrap_or(0);
    if no_match > 0
        && let (Some(first), Some(toks)) = (values.first(), first_tokens)
        && let Some(end) = no_match_end(&toks, no_match).filter(|e| *e > 0)
    {
        return Ok(Some(vec![first[..end].to_string()]));
    }
    Ok(None)
}

/// The values at `path` of a `_source`, as text: each element of an array separately,
/// through objects and dotted keys.
fn field_values(source: &Value, path: &str) -> Vec<String> {
    let mut found = Vec::new();
    super::search::source_values(source, path, &mut found);
    found
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
#[path = "highlight_tests.rs"]
mod tests;
