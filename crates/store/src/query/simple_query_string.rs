//! `simple_query_string`: Lucene's `SimpleQueryParser` syntax (`+` and, `|` or, `-` not,
//! `"phrase"~slop`, `prefix*`, `term~fuzziness`, `( )`, `\` escapes, each operator switchable
//! by `flags`), read character by character as Lucene reads it and lowered as
//! Elasticsearch's `SimpleQueryStringQueryParser` builds it. It never fails on its text: an
//! unbalanced quote or parenthesis is an ordinary character.

use std::collections::BTreeMap;

use crate::StoreError;
use crate::query::full_text::{
    MatchOptions, MultiFieldQuery, MultiMatchType, has_all_fields, match_query, msm_from,
    operator_from,
};
use crate::query::node::{Kind, Node, illegal, parsing};
use crate::query::parse::{check_boost, field_and_boost, with_boost};
use crate::query::{BoolQuery, Fuzziness, MinimumShouldMatch, Operator, Query, Scalar};

/// Lucene's `SimpleQueryParser` operator flags.
pub(crate) mod flags {
    pub(crate) const AND: i32 = 1 << 0;
    pub(crate) const NOT: i32 = 1 << 1;
    pub(crate) const OR: i32 = 1 << 2;
    pub(crate) const PREFIX: i32 = 1 << 3;
    pub(crate) const PHRASE: i32 = 1 << 4;
    pub(crate) const PRECEDENCE: i32 = 1 << 5;
    pub(crate) const ESCAPE: i32 = 1 << 6;
    pub(crate) const WHITESPACE: i32 = 1 << 7;
    pub(crate) const FUZZY: i32 = 1 << 8;
    pub(crate) const NEAR: i32 = 1 << 9;
    pub(crate) const ALL: i32 = -1;
}

/// The settings of a `simple_query_string` query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimpleOptions {
    pub(crate) fields: BTreeMap<String, f32>,
    pub(crate) default_operator: Operator,
    pub(crate) analyzer: Option<String>,
    pub(crate) flags: i32,
    pub(crate) lenient: Option<bool>,
    pub(crate) minimum_should_match: Option<MinimumShouldMatch>,
    pub(crate) fuzzy_prefix_length: u32,
    pub(crate) fuzzy_max_expansions: u32,
    pub(crate) fuzzy_transpositions: bool,
    pub(crate) boost: f32,
}

impl Default for SimpleOptions {
    fn default() -> Self {
        Self {
            fields: BTreeMap::new(),
            default_operator: Operator::Or,
            analyzer: None,
            flags: flags::ALL,
            lenient: None,
            minimum_should_match: None,
            fuzzy_prefix_length: 0,
            fuzzy_max_expansions: 50,
            fuzzy_transpositions: true,
            boost: 1.0,
        }
    }
}

/// `SimpleQueryStringFlag.resolveFlags`: `|`-separated names, `ALL` and `NONE` winning.
fn resolve_flags(text: &str) -> Result<i32, StoreError> {
    if text.is_empty() {
        return Ok(flags::ALL);
    }
    let mut magic = 0;
    for name in text.split('|').filter(|s| !s.is_empty()) {
        let value = match name.to_uppercase().as_str() {
            "NONE" => return Ok(0),
            "ALL" => return Ok(flags::ALL),
            "AND" => flags::AND,
            "NOT" => flags::NOT,
            "OR" => flags::OR,
            "PREFIX" => flags::PREFIX,
            "PHRASE" => flags::PHRASE,
            "PRECEDENCE" => flags::PRECEDENCE,
            "ESCAPE" => flags::ESCAPE,
            "WHITESPACE" => flags::WHITESPACE,
            "FUZZY" => flags::FUZZY,
            "NEAR" | "SLOP" => flags::NEAR,
            _ => {
                return Err(illegal(format!(
                    "Unknown simple_query_string flag [{name}]"
                )));
            }
        };
        magic |= value;
    }
    Ok(magic)
}

/// `simple_query_string`'s JSON.
pub(crate) fn parse_simple_query_string_query(body: &Node) -> Result<Query, StoreError> {
    let mut opts = SimpleOptions::default();
    let mut query = None;
    let mut boost = 1.0;
    let mut fuzzy_prefix_length = 0;
    let mut fuzzy_max_expansions = 50;
    for field in body.as_object().unwrap_or_default() {
        let o = &field.value;
        let key = field.key.as_str();
        match &o.kind {
            Kind::Array(items) => {
                if key != "fields" {
                    return Err(parsing(
                        o.at,
                        format!("[simple_query_string] query does not support [{key}]"),
                    ));
                }
                for item in items {
                    let (f, b) = field_and_boost(item)?;
                    opts.fields.insert(f, b);
                }
            }
            _ if o.is_value() => match key {
                "query" => query = Some(o.text()?),
                "boost" => boost = o.float_value()?,
                "analyzer" => opts.analyzer = Some(o.text()?),
                "default_operator" => opts.default_operator = operator_from(&o.text()?)?,
                "flags" => {
                    opts.flags = match o.kind {
                        Kind::Number(_) => {
                            let n = o.int_value()?;
                            if n < 0 { flags::ALL } else { n }
                        }
                        _ => resolve_flags(&o.text()?)?,
                    };
                }
                "locale" | "lowercase_expanded_terms" => {}
                "lenient" => opts.lenient = Some(o.bool_value()?),
                "analyze_wildcard" | "auto_generate_synonyms_phrase_query" => {
                    o.bool_value()?;
                }
                "_name" => {
                    o.text()?;
                }
                "minimum_should_match" => opts.minimum_should_match = msm_from(o)?,
                "quote_field_suffix" => {
                    o.text_or_null()?;
                }
                "fuzzy_prefix_length" => fuzzy_prefix_length = o.int_value()?,
                "fuzzy_max_expansions" => fuzzy_max_expansions = o.int_value()?,
                "fuzzy_transpositions" => opts.fuzzy_transpositions = o.bool_value()?,
                other => {
                    return Err(parsing(
                        o.at,
                        format!("[simple_query_string] unsupported field [{other}]"),
                    ));
                }
            },
            _ => {
                return Err(parsing(
                    o.at,
                    format!(
                        "[simple_query_string] unknown token [{}] after [{key}]",
                        o.token()
                    ),
                ));
            }
        }
    }
    let Some(query) = query else {
        return Err(parsing(
            body.end,
            "[simple_query_string] query text missing",
        ));
    };
    opts.fuzzy_prefix_length = u32::try_from(fuzzy_prefix_length).unwrap_or(0);
    opts.fuzzy_max_expansions = u32::try_from(fuzzy_max_expansions).unwrap_or(0);
    for b in opts.fields.values() {
        check_boost(*b, "simple_query_string", body)?;
    }
    opts.boost = check_boost(boost, "simple_query_string", body)?;
    Ok(simple_query_string(&query, &opts))
}

/// A Lucene boolean as `SimpleQueryParser` grows it.
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Leaf(Query),
    Bool(Vec<(Tree, Occur)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

impl Tree {
    fn into_query(self) -> Query {
        match self {
            Tree::Leaf(q) => q,
            Tree::Bool(clauses) => {
                let mut b = BoolQuery {
                    boost: 1.0,
                    ..BoolQuery::default()
                };
                for (tree, occur) in clauses {
                    let q = tree.into_query();
                    match occur {
                        Occur::Must => b.must.push(q),
                        Occur::Should => b.should.push(q),
                        Occur::MustNot => b.must_not.push(q),
                    }
                }
                Query::Bool(b)
            }
        }
    }
}

struct State {
    end: usize,
    index: usize,
    top: Option<Tree>,
    current: Option<Occur>,
    previous: Option<Occur>,
    not: u32,
}

impl State {
    fn new(start: usize, end: usize) -> Self {
        Self {
            end,
            index: start,
            top: None,
            current: None,
            previous: None,
            not: 0,
        }
    }
}

/// Parses `text` in the simple syntax and lowers it; never fails.
pub(crate) fn simple_query_string(text: &str, opts: &SimpleOptions) -> Query {
    if text.trim() == "*" {
        return with_boost(Query::MatchAll { boost: 1.0 }, opts.boost);
    }
    let mut fields = opts.fields.clone();
    if fields.is_empty() {
        // `index.query.default_field`.
        fields.insert("*".to_string(), 1.0);
    }
    let lenient =
        opts.lenient.unwrap_or(false) || (opts.lenient.is_none() && has_all_fields(&fields));
    let lowering = Lowering {
        fields,
        opts,
        match_opts: MatchOptions {
            operator: opts.default_operator,
            lenient,
            analyzer: opts.analyzer.clone(),
            ..MatchOptions::default()
        },
    };
    let chars: Vec<char> = text.chars().collect();
    let parser = SimpleParser {
        data: &chars,
        closing: closing_parentheses(&chars, opts.flags & flags::ESCAPE != 0),
        flags: opts.flags,
        default_occur: match opts.default_operator {
            Operator::And => Occur::Must,
            Operator::Or => Occur::Should,
        },
        lowering: &lowering,
    };
    let mut state = State::new(0, chars.len());
    parser.parse_sub_query(&mut state, 0);
    let query = match state.top {
        None => Query::MatchNone,
        Some(tree) => match tree.into_query() {
            Query::Bool(mut b) => {
                b.minimum_should_match = opts.minimum_should_match.clone();
                Query::Bool(b)
            }
            q => q,
        },
    };
    with_boost(query, opts.boost)
}

/// The `)` that closes each `(`, escapes honoured.
fn closing_parentheses(chars: &[char], escapes: bool) -> Vec<Option<usize>> {
    let mut closing = vec![None; chars.len()];
    let mut open = Vec::new();
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if escapes => escaped = true,
            '(' => open.push(i),
            ')' => {
                if let Some(o) = open.pop() {
                    closing[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    closing
}

/// Nested parentheses deeper than this are read as plain characters, so that no text can
/// exhaust the stack.
const MAX_GROUP_DEPTH: usize = 64;

struct SimpleParser<'a> {
    data: &'a [char],
    /// For each `(`, its `)`: the first position where the parentheses after it balance,
    /// escaped ones not counted.
    closing: Vec<Option<usize>>,
    flags: i32,
    default_occur: Occur,
    lowering: &'a Lowering<'a>,
}

impl SimpleParser<'_> {
    fn on(&self, flag: i32) -> bool {
        self.flags & flag != 0
    }

    fn is_ws(c: char) -> bool {
        matches!(c, ' ' | '\t' | '\n' | '\r')
    }

    fn parse_sub_query(&self, state: &mut State, depth: usize) {
        while state.index < state.end {
            let c = self.data[state.index];
            if c == '(' && self.on(flags::PRECEDENCE) && depth < MAX_GROUP_DEPTH {
                self.consume_sub_query(state, depth);
            } else if c == '(' && self.on(flags::PRECEDENCE) {
                state.index += 1;
            } else if c == ')' && self.on(flags::PRECEDENCE) {
                // An extraneous closing parenthesis is ignored.
                state.index += 1;
            } else if c == '"' && self.on(flags::PHRASE) {
                self.consume_phrase(state);
            } else if c == '+' && self.on(flags::AND) {
                if state.current.is_none() && state.top.is_some() {
                    state.current = Some(Occur::Must);
                }
                state.index += 1;
            } else if c == '|' && self.on(flags::OR) {
                if state.current.is_none() && state.top.is_some() {
                    state.current = Some(Occur::Should);
                }
                state.index += 1;
            } else if c == '-' && self.on(flags::NOT) {
                state.not += 1;
                state.index += 1;
                // The not must stick to what follows.
                continue;
            } else if Self::is_ws(c) && self.on(flags::WHITESPACE) {
                state.index += 1;
            } else {
                self.consume_token(state);
            }
            state.not = 0;
        }
    }

    fn consume_sub_query(&self, state: &mut State, depth: usize) {
        let open = state.index;
        state.index += 1;
        let start = state.index;
        // Lucene scans forward for the closing parenthesis each time; the pairs computed once
        // give the same answer without its quadratic cost on unbalanced text.
        state.index = match self.closing.get(open).copied().flatten() {
            Some(close) if close < state.end => close,
            _ => state.end,
        };
        if state.index >= state.end {
            // Never closed: the opening parenthesis is an ordinary character.
            state.index = start;
        } else if state.index == start {
            // `()`: the pending operator applied to nothing.
            state.current = None;
            state.index += 1;
        } else {
            let mut sub = State::new(start, state.index);
            self.parse_sub_query(&mut sub, depth + 1);
            let top = sub.top.take();
            self.build_tree(state, top);
            state.index += 1;
        }
    }

    fn consume_phrase(&self, state: &mut State) {
        state.index += 1;
        let start = state.index;
        let mut buffer = String::new();
        let mut escaped = false;
        let mut has_slop = false;
        while state.index < state.end {
            if !escaped {
                let c = self.data[state.index];
                if c == '\\' && self.on(flags::ESCAPE) {
                    escaped = true;
                    state.index += 1;
                    continue;
                } else if c == '"' {
                    if state.end > state.index + 1
                        && self.data[state.index + 1] == '~'
                        && self.on(flags::NEAR)
                    {
                        state.index += 1;
                        if state.end > state.index + 1 {
                            has_slop = true;
                        }
                    }
                    break;
                }
            }
            escaped = false;
            buffer.push(self.data[state.index]);
            state.index += 1;
        }
        if state.index >= state.end {
            // Never closed: the quote is an ordinary character.
            state.index = start;
        } else if state.index == start {
            // `""`: the pending operator applied to nothing.
            state.current = None;
            state.index += 1;
        } else {
            let slop = if has_slop {
                self.parse_fuzziness(state)
            } else {
                0
            };
            let branch = self.lowering.phrase(&buffer, slop);
            self.build_tree(state, branch.map(Tree::Leaf));
            state.index += 1;
        }
    }

    fn consume_token(&self, state: &mut State) {
        let mut buffer = String::new();
        let mut copied = 0usize;
        let mut escaped = false;
        let mut prefix = false;
        let mut fuzzy = false;
        while state.index < state.end {
            if !escaped {
                let c = self.data[state.index];
                if c == '\\' && self.on(flags::ESCAPE) {
                    escaped = true;
                    prefix = false;
                    state.index += 1;
                    continue;
                } else if self.token_finished(state) {
                    break;
                } else if copied > 0 && c == '~' && self.on(flags::FUZZY) {
                    fuzzy = true;
                    break;
                }
                prefix = copied > 0 && c == '*' && self.on(flags::PREFIX);
            }
            escaped = false;
            buffer.push(self.data[state.index]);
            copied += 1;
            state.index += 1;
        }
        if copied == 0 {
            return;
        }
        let branch = if fuzzy && self.on(flags::FUZZY) {
            let edits = self.parse_fuzziness(state).min(2);
            if edits == 0 {
                self.lowering.default_query(&buffer)
            } else {
                self.lowering.fuzzy(&buffer, edits as u8)
            }
        } else if prefix {
            buffer.pop();
            self.lowering.prefix(&buffer)
        } else {
            self.lowering.default_query(&buffer)
        };
        self.build_tree(state, branch.map(Tree::Leaf));
    }

    fn token_finished(&self, state: &State) -> bool {
        let c = self.data[state.index];
        (c == '"' && self.on(flags::PHRASE))
            || (c == '|' && self.on(flags::OR))
            || (c == '+' && self.on(flags::AND))
            || (c == '(' && self.on(flags::PRECEDENCE))
            || (c == ')' && self.on(flags::PRECEDENCE))
            || (Self::is_ws(c) && self.on(flags::WHITESPACE))
    }

    /// The number after `~` (2 when there is none, 0 when it is not a number).
    fn parse_fuzziness(&self, state: &mut State) -> u32 {
        if state.index >= state.end || self.data[state.index] != '~' {
            return 0;
        }
        let mut text = String::new();
        while state.index < state.end {
            state.index += 1;
            if state.index < state.end {
                if self.token_finished(state) {
                    break;
                }
                text.push(self.data[state.index]);
            }
        }
        if text.is_empty() {
            return 2;
        }
        match text.parse::<i32>() {
            Ok(n) if n > 0 => n as u32,
            _ => 0,
        }
    }

    /// Lucene's `buildQueryTree`: an operator different from the previous one starts a new
    /// parent, so operators apply left to right.
    fn build_tree(&self, state: &mut State, branch: Option<Tree>) {
        let Some(mut branch) = branch else {
            return;
        };
        if state.not % 2 == 1 {
            branch = Tree::Bool(vec![
                (branch, Occur::MustNot),
                (Tree::Leaf(Query::MatchAll { boost: 1.0 }), Occur::Should),
            ]);
        }
        match state.top.take() {
            None => state.top = Some(branch),
            Some(top) => {
                let current = state.current.unwrap_or(self.default_occur);
                let top = if state.previous != Some(current) {
                    Tree::Bool(vec![(top, current)])
                } else {
                    top
                };
                let top = match top {
                    Tree::Bool(mut clauses) => {
                        clauses.push((branch, current));
                        Tree::Bool(clauses)
                    }
                    leaf => Tree::Bool(vec![(leaf, current), (branch, current)]),
                };
                state.top = Some(top);
                state.previous = Some(current);
            }
        }
        state.current = None;
    }
}

/// Elasticsearch's `SimpleQueryStringQueryParser`: each kind of term over every field.
struct Lowering<'a> {
    fields: BTreeMap<String, f32>,
    opts: &'a SimpleOptions,
    match_opts: MatchOptions,
}

impl Lowering<'_> {
    fn multi(&self, kind: MultiMatchType, value: &str, slop: u32) -> Query {
        MultiFieldQuery {
            fields: &self.fields,
            kind,
            opts: &self.match_opts,
            slop,
            tie_breaker: Some(1.0),
        }
        .lower(&Scalar::String(value.to_string()), 1.0)
    }

    /// `newDefaultQuery`: a `most_fields` match.
    fn default_query(&self, text: &str) -> Option<Query> {
        Some(self.multi(MultiMatchType::MostFields, text, 0))
    }

    /// `newPhraseQuery`; a phrase of nothing but spaces is no query.
    fn phrase(&self, text: &str, slop: u32) -> Option<Query> {
        if text.trim().is_empty() {
            return None;
        }
        Some(self.multi(MultiMatchType::Phrase, text, slop))
    }

    fn fuzzy(&self, text: &str, edits: u8) -> Option<Query> {
        let opts = MatchOptions {
            fuzziness: Some(Fuzziness::Edits(edits)),
            prefix_length: self.opts.fuzzy_prefix_length,
            max_expansions: self.opts.fuzzy_max_expansions,
            fuzzy_transpositions: self.opts.fuzzy_transpositions,
            ..self.match_opts.clone()
        };
        Some(self.combine(|f, b| match_query(f, Scalar::String(text.to_string()), &opts, b)))
    }

    fn prefix(&self, text: &str) -> Option<Query> {
        Some(self.combine(|f, b| Query::Prefix {
            field: f.to_string(),
            value: text.to_string(),
            case_insensitive: false,
            boost: b,
        }))
    }

    /// One query per field, their scores added.
    fn combine(&self, build: impl Fn(&str, f32) -> Query) -> Query {
        let mut queries: Vec<Query> = self.fields.iter().map(|(f, b)| build(f, *b)).collect();
        if queries.len() == 1 {
            return queries.remove(0);
        }
        Query::DisMax {
            queries,
            tie_breaker: 1.0,
            boost: 1.0,
        }
    }
}

#[cfg(test)]
#[path = "simple_query_string_tests.rs"]
mod tests;
