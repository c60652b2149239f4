//! `query_string` and the `q=` parameter: Lucene's classic query syntax (`field:value`,
//! `AND`/`OR`/`NOT`, `+`/`-`, groups, `"phrase"~slop`, `term~fuzziness`, `*`/`?` wildcards,
//! `/regex/`, `[a TO b]`/`{a TO b}` ranges, `>=x`, `^boost`, `_exists_:f`) tokenized as
//! Lucene's JavaCC grammar tokenizes it, combined as its `QueryParser.addClause` combines
//! clauses, and lowered to the other [`Query`] variants as Elasticsearch's
//! `QueryStringQueryParser` builds them. A syntax error is Elasticsearch's
//! `query_shard_exception` `Failed to parse query [..]` with Lucene's `parse_exception` text
//! (`Cannot parse '..': Encountered "<EOF>" at line 1, column 4. ...`) as its cause.

use std::collections::BTreeMap;

use crate::StoreError;
use crate::query::full_text::{
    MatchOptions, MultiFieldQuery, MultiMatchType, fuzziness_from, has_all_fields, msm_from,
    operator_from,
};
use crate::query::node::{Kind, Node, illegal, parsing};
use crate::query::parse::{check_boost, field_and_boost, with_boost};
use crate::query::{BoolQuery, Fuzziness, MinimumShouldMatch, Operator, Query, RangeQuery, Scalar};

/// The settings of a `query_string` query that shape its lowering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QueryStringOptions {
    pub(crate) default_field: Option<String>,
    pub(crate) fields: BTreeMap<String, f32>,
    pub(crate) default_operator: Operator,
    pub(crate) analyzer: Option<String>,
    pub(crate) quote_analyzer: Option<String>,
    pub(crate) allow_leading_wildcard: bool,
    pub(crate) lenient: Option<bool>,
    pub(crate) fuzziness: Fuzziness,
    pub(crate) fuzzy_prefix_length: u32,
    pub(crate) fuzzy_max_expansions: u32,
    pub(crate) fuzzy_transpositions: bool,
    pub(crate) phrase_slop: u32,
    pub(crate) kind: MultiMatchType,
    pub(crate) tie_breaker: Option<f32>,
    pub(crate) minimum_should_match: Option<MinimumShouldMatch>,
    pub(crate) time_zone: Option<String>,
    pub(crate) escape: bool,
    pub(crate) boost: f32,
}

impl Default for QueryStringOptions {
    fn default() -> Self {
        Self {
            default_field: None,
            fields: BTreeMap::new(),
            default_operator: Operator::Or,
            analyzer: None,
            quote_analyzer: None,
            allow_leading_wildcard: true,
            lenient: None,
            fuzziness: Fuzziness::default(),
            fuzzy_prefix_length: 0,
            fuzzy_max_expansions: 50,
            fuzzy_transpositions: true,
            phrase_slop: 0,
            kind: MultiMatchType::BestFields,
            tie_breaker: None,
            minimum_should_match: None,
            time_zone: None,
            escape: false,
            boost: 1.0,
        }
    }
}

/// `query_string`'s JSON.
pub(crate) fn parse_query_string_query(body: &Node) -> Result<Query, StoreError> {
    let mut opts = QueryStringOptions::default();
    let mut query = None;
    let mut boost = 1.0;
    let mut fuzzy_prefix_length = 0;
    let mut fuzzy_max_expansions = 50;
    let mut phrase_slop = 0;
    for field in body.as_object().unwrap_or_default() {
        let o = &field.value;
        let key = field.key.as_str();
        match &o.kind {
            Kind::Array(items) => {
                if key != "fields" {
                    return Err(parsing(
                        o.at,
                        format!("[query_string] query does not support [{key}]"),
                    ));
                }
                for item in items {
                    let (f, b) = field_and_boost(item)?;
                    opts.fields.insert(f, b);
                }
            }
            _ if o.is_value() => match key {
                "query" => query = Some(o.text()?),
                "default_field" => opts.default_field = Some(o.text()?),
                "default_operator" => opts.default_operator = operator_from(&o.text()?)?,
                "analyzer" => opts.analyzer = Some(o.text()?),
                "quote_analyzer" => opts.quote_analyzer = Some(o.text()?),
                "allow_leading_wildcard" => opts.allow_leading_wildcard = o.bool_value()?,
                "max_determinized_states" => {
                    o.int_value()?;
                }
                "enable_position_increments" | "analyze_wildcard" => {
                    o.bool_value()?;
                }
                "escape" => opts.escape = o.bool_value()?,
                "fuzzy_prefix_length" => fuzzy_prefix_length = o.int_value()?,
                "fuzzy_max_expansions" => fuzzy_max_expansions = o.int_value()?,
                "fuzzy_rewrite" | "rewrite" | "quote_field_suffix" => {
                    o.text_or_null()?;
                }
                "phrase_slop" => phrase_slop = o.int_value()?,
                "fuzziness" => opts.fuzziness = fuzziness_from(o)?,
                "boost" => boost = o.float_value()?,
                "type" => opts.kind = MultiMatchType::parse(&o.text()?)?,
                "tie_breaker" => opts.tie_breaker = Some(o.float_value()?),
                "minimum_should_match" => opts.minimum_should_match = msm_from(o)?,
                "lenient" => opts.lenient = Some(o.bool_value()?),
                "time_zone" => {
                    let tz = o.text()?;
                    if ironstack_types::date::parse_time_zone(&tz).is_err() {
                        return Err(parsing(
                            o.at,
                            format!("[query_string] time_zone [{tz}] is unknown"),
                        ));
                    }
                    opts.time_zone = Some(tz);
                }
                "_name" => {
                    o.text()?;
                }
                "auto_generate_synonyms_phrase_query" | "fuzzy_transpositions" => {
                    let v = o.bool_value()?;
                    if key == "fuzzy_transpositions" {
                        opts.fuzzy_transpositions = v;
                    }
                }
                other => {
                    return Err(parsing(
                        o.at,
                        format!("[query_string] query does not support [{other}]"),
                    ));
                }
            },
            _ => {
                return Err(parsing(
                    o.at,
                    format!("[query_string] unknown token [{}] after [{key}]", o.token()),
                ));
            }
        }
    }
    let Some(query) = query else {
        return Err(parsing(
            body.end,
            "[query_string] must be provided with a [query]",
        ));
    };
    opts.fuzzy_prefix_length = u32::try_from(fuzzy_prefix_length)
        .map_err(|_| illegal("[query_string] fuzzy_prefix_length cannot be negative"))?;
    opts.fuzzy_max_expansions = u32::try_from(fuzzy_max_expansions)
        .map_err(|_| illegal("[query_string] fuzzy_max_expansions cannot be negative"))?;
    opts.phrase_slop = u32::try_from(phrase_slop)
        .map_err(|_| illegal("[query_string] phrase_slop cannot be negative"))?;
    for b in opts.fields.values() {
        check_boost(*b, "query_string", body)?;
    }
    opts.boost = check_boost(boost, "query_string", body)?;
    query_string(&query, &opts)
}

/// Parses `text` in Lucene's syntax and lowers it.
pub(crate) fn query_string(text: &str, opts: &QueryStringOptions) -> Result<Query, StoreError> {
    if !opts.fields.is_empty() && opts.default_field.is_some() {
        let reason = "Validation Failed: 1: [query_string] cannot use [fields] parameter in conjunction with [default_field];";
        return Err(StoreError::QueryCreation {
            reason: format!("failed to create query: {reason}"),
            cause: Some(("query_validation_exception".to_string(), reason.to_string())),
            index: String::new(),
            uuid: String::new(),
        });
    }
    let escaped;
    let text = if opts.escape {
        escaped = escape(text);
        escaped.as_str()
    } else {
        text
    };
    // Elasticsearch answers a blank query with no documents before Lucene sees it.
    if text.trim().is_empty() {
        return Ok(Query::MatchNone);
    }
    let lowering = Lowering::new(opts);
    let tokens = lex(text);
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        lowering: &lowering,
    };
    let query = parser.top_level().map_err(|e| match e {
        Failure::Syntax(detail) => StoreError::QueryCreation {
            reason: format!("Failed to parse query [{text}]"),
            cause: Some((
                "parse_exception".to_string(),
                format!("Cannot parse '{text}': {detail}"),
            )),
            index: String::new(),
            uuid: String::new(),
        },
        Failure::Store(e) => e,
    })?;
    let query = match query {
        None => Query::MatchNone,
        Some(Query::Bool(mut b)) => {
            if b.minimum_should_match.is_none() {
                b.minimum_should_match = opts.minimum_should_match.clone();
            }
            Query::Bool(b)
        }
        Some(q) => q,
    };
    Ok(with_boost(query, opts.boost))
}

/// Lucene's `QueryParser.escape`: every character of the syntax behind a backslash.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '+'
                | '-'
                | '!'
                | '('
                | ')'
                | ':'
                | '^'
                | '['
                | ']'
                | '"'
                | '{'
                | '}'
                | '~'
                | '*'
                | '?'
                | '|'
                | '&'
                | '/'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Tokens, as Lucene's `QueryParser.jj` defines them (kinds in its order, which is also the
// order of its "Was expecting one of" lists).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TokenKind {
    Eof,
    And,
    Or,
    Not,
    Plus,
    Minus,
    BareOper,
    LParen,
    RParen,
    Colon,
    Star,
    Carat,
    Quoted,
    Term,
    FuzzySlop,
    PrefixTerm,
    WildTerm,
    RegexpTerm,
    RangeInStart,
    RangeExStart,
    Number,
    RangeTo,
    RangeInEnd,
    RangeExEnd,
    RangeQuoted,
    RangeGoop,
}

impl TokenKind {
    /// JavaCC's `tokenImage`.
    fn image(self) -> &'static str {
        match self {
            Self::Eof => "<EOF>",
            Self::And => "<AND>",
            Self::Or => "<OR>",
            Self::Not => "<NOT>",
            Self::Plus => "\"+\"",
            Self::Minus => "\"-\"",
            Self::BareOper => "<BAREOPER>",
            Self::LParen => "\"(\"",
            Self::RParen => "\")\"",
            Self::Colon => "\":\"",
            Self::Star => "\"*\"",
            Self::Carat => "\"^\"",
            Self::Quoted => "<QUOTED>",
            Self::Term => "<TERM>",
            Self::FuzzySlop => "<FUZZY_SLOP>",
            Self::PrefixTerm => "<PREFIXTERM>",
            Self::WildTerm => "<WILDTERM>",
            Self::RegexpTerm => "<REGEXPTERM>",
            Self::RangeInStart => "\"[\"",
            Self::RangeExStart => "\"{\"",
            Self::Number => "<NUMBER>",
            Self::RangeTo => "\"TO\"",
            Self::RangeInEnd => "\"]\"",
            Self::RangeExEnd => "\"}\"",
            Self::RangeQuoted => "<RANGE_QUOTED>",
            Self::RangeGoop => "<RANGE_GOOP>",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    image: String,
    /// 0-based character offset (Lucene's `FastCharStream` column).
    col: usize,
}

/// A token, or the lexical error Lucene's token manager raises where no token matches.
#[derive(Debug, Clone, PartialEq)]
enum Lexed {
    Token(Token),
    Error(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LexState {
    Default,
    Boost,
    Range,
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{3000}')
}

/// `_TERM_START_CHAR` without the escape form.
fn is_term_start(c: char) -> bool {
    !is_ws(c)
        && !matches!(
            c,
            '+' | '-'
                | '!'
                | '('
                | ')'
                | ':'
                | '^'
                | '['
                | ']'
                | '"'
                | '{'
                | '}'
                | '~'
                | '*'
                | '?'
                | '\\'
                | '/'
        )
}

/// The length of a run of term characters from `i` (escapes `\x` included); `start` says
/// whether the first one must be a `_TERM_START_CHAR`; `wild` also admits `*` and `?`.
fn term_run(chars: &[char], i: usize, start: bool, wild: bool) -> usize {
    let mut j = i;
    while j < chars.len() {
        let c = chars[j];
        let first = j == i && start;
        if c == '\\' {
            if j + 1 < chars.len() {
                j += 2;
                continue;
            }
            break;
        }
        let ok = is_term_start(c)
            || (!first && matches!(c, '-' | '+'))
            || (wild && matches!(c, '*' | '?'));
        if !ok {
            break;
        }
        j += 1;
    }
    j - i
}

/// A delimited token (`"..."`, `/.../`) with `\` escaping the delimiter: its length, the
/// longest that closes (an escaped delimiter may also close it, as JavaCC's longest match
/// allows), or `None` when it never closes.
fn delimited(
    chars: &[char],
    i: usize,
    delimiter: char,
    any_escape: bool,
    min_inner: usize,
) -> Option<usize> {
    let mut j = i + 1;
    let mut best = None;
    while j < chars.len() {
        let c = chars[j];
        if c == '\\' && j + 1 < chars.len() && (any_escape || chars[j + 1] == delimiter) {
            if !any_escape && j + 1 - (i + 1) >= min_inner {
                // The backslash alone is also an inner character, and the delimiter after
                // it may close the token.
                best = Some(j + 2 - i);
            }
            j += 2;
            continue;
        }
        if c == delimiter {
            if j - (i + 1) >= min_inner {
                return Some(j + 1 - i);
            }
            // Too short to close here; the delimiter cannot be inner either.
            return best;
        }
        j += 1;
    }
    best
}

/// JavaCC's `addEscapes`.
fn add_escapes(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                for unit in c.encode_utf16(&mut [0u16; 2]) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `TokenMgrError.LexicalErr`.
fn lexical_error(column: usize, eof: bool, current: char, after: &str) -> String {
    let encountered = if eof {
        "<EOF> ".to_string()
    } else {
        format!(
            "\"{}\" ({}), ",
            add_escapes(&current.to_string()),
            current as u32
        )
    };
    format!(
        "Lexical error at line 1, column {column}.  Encountered: {encountered}after : \"{}\"",
        add_escapes(after)
    )
}

/// Tokenizes the whole text (the states follow the tokens: `^` enters `Boost`, a number
/// leaves it; `[`/`{` enter `Range`, `]`/`}` leave it). A lexical error ends the list.
fn lex(text: &str) -> Vec<Lexed> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut state = LexState::Default;
    let mut i = 0;
    loop {
        if state != LexState::Boost {
            // In `Range`, a tab or newline followed by other characters belongs to the
            // longer `RANGE_GOOP`; only a lone whitespace character is skipped.
            while i < chars.len() && is_ws(chars[i]) {
                if state == LexState::Range && chars[i] != ' ' {
                    let goop = goop_len(&chars, i);
                    if goop > 1 {
                        break;
                    }
                }
                i += 1;
            }
        }
        if i >= chars.len() {
            out.push(Lexed::Token(Token {
                kind: TokenKind::Eof,
                image: String::new(),
                col: chars.len(),
            }));
            return out;
        }
        let (kind, len) = match state {
            LexState::Default => default_token(&chars, i),
            LexState::Boost => {
                let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits == 0 {
                    (None, 0)
                } else {
                    let mut len = digits;
                    if chars.get(i + len) == Some(&'.') {
                        let frac = chars[i + len + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                        if frac > 0 {
                            len += 1 + frac;
                        }
                    }
                    (Some(TokenKind::Number), len)
                }
            }
            LexState::Range => range_token(&chars, i),
        };
        let Some(kind) = kind else {
            out.push(Lexed::Error(lex_failure(&chars, i, state)));
            return out;
        };
        let image: String = chars[i..i + len].iter().collect();
        state = match kind {
            TokenKind::Carat => LexState::Boost,
            TokenKind::Number => LexState::Default,
            TokenKind::RangeInStart | TokenKind::RangeExStart => LexState::Range,
            TokenKind::RangeInEnd | TokenKind::RangeExEnd => LexState::Default,
            _ => state,
        };
        out.push(Lexed::Token(Token {
            kind,
            image,
            col: i,
        }));
        i += len;
    }
}

/// The error where no token starts at `i`: how far the failed attempt read, as JavaCC
/// reports it.
fn lex_failure(chars: &[char], i: usize, state: LexState) -> String {
    // Attempts that can run to the end of the text without closing.
    let attempted = match (state, chars[i]) {
        (LexState::Default, '"') | (LexState::Default, '/') => chars.len() - i,
        (LexState::Default, '\\') => 1,
        _ => 0,
    };
    if attempted > 0 && i + attempted >= chars.len() {
        let after: String = if attempted <= 1 {
            String::new()
        } else {
            chars[i..].iter().collect()
        };
        return lexical_error(chars.len() + 1, true, ' ', &after);
    }
    lexical_error(i + 1, false, chars[i], "")
}

fn goop_len(chars: &[char], i: usize) -> usize {
    chars[i..]
        .iter()
        .take_while(|c| !matches!(c, ' ' | ']' | '}'))
        .count()
}

/// The longest token of the `DEFAULT` state at `i`, ties going to the earlier kind.
fn default_token(chars: &[char], i: usize) -> (Option<TokenKind>, usize) {
    let c = chars[i];
    let next = chars.get(i + 1).copied();
    let starts_with = |word: &str| {
        word.chars()
            .enumerate()
            .all(|(k, w)| chars.get(i + k) == Some(&w))
    };
    let mut candidates: Vec<(TokenKind, usize)> = Vec::new();
    if c == '&' && next == Some('&') {
        candidates.push((TokenKind::And, 2));
    }
    if starts_with("AND") {
        candidates.push((TokenKind::And, 3));
    }
    if c == '|' && next == Some('|') {
        candidates.push((TokenKind::Or, 2));
    }
    if starts_with("OR") {
        candidates.push((TokenKind::Or, 2));
    }
    if c == '!' {
        candidates.push((TokenKind::Not, 1));
    }
    if starts_with("NOT") {
        candidates.push((TokenKind::Not, 3));
    }
    match c {
        '+' => candidates.push((TokenKind::Plus, 1)),
        '-' => candidates.push((TokenKind::Minus, 1)),
        '(' => candidates.push((TokenKind::LParen, 1)),
        ')' => candidates.push((TokenKind::RParen, 1)),
        ':' => candidates.push((TokenKind::Colon, 1)),
        '*' => candidates.push((TokenKind::Star, 1)),
        '^' => candidates.push((TokenKind::Carat, 1)),
        '[' => candidates.push((TokenKind::RangeInStart, 1)),
        '{' => candidates.push((TokenKind::RangeExStart, 1)),
        _ => {}
    }
    if matches!(c, '+' | '-' | '!') && next.is_some_and(is_ws) {
        candidates.push((TokenKind::BareOper, 2));
    }
    if c == '"'
        && let Some(len) = delimited(chars, i, '"', true, 0)
    {
        candidates.push((TokenKind::Quoted, len));
    }
    let term = term_run(chars, i, true, false);
    if term > 0 {
        candidates.push((TokenKind::Term, term));
        if chars.get(i + term) == Some(&'*') {
            candidates.push((TokenKind::PrefixTerm, term + 1));
        }
    }
    if c == '*' {
        candidates.push((TokenKind::PrefixTerm, 1));
    }
    if c == '~' {
        candidates.push((
            TokenKind::FuzzySlop,
            1 + term_run(chars, i + 1, false, false),
        ));
    }
    if term > 0 || matches!(c, '*' | '?') {
        let wild = if term > 0 {
            term_run(chars, i, true, true)
        } else {
            1 + term_run(chars, i + 1, false, true)
        };
        candidates.push((TokenKind::WildTerm, wild));
    }
    if c == '/'
        && let Some(len) = delimited(chars, i, '/', false, 0)
    {
        candidates.push((TokenKind::RegexpTerm, len));
    }
    // Longest match; among equals, the kind declared first.
    candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or((None, 0), |(k, l)| (Some(k), l))
}

fn range_token(chars: &[char], i: usize) -> (Option<TokenKind>, usize) {
    let mut candidates: Vec<(TokenKind, usize)> = Vec::new();
    if chars[i] == 'T' && chars.get(i + 1) == Some(&'O') {
        candidates.push((TokenKind::RangeTo, 2));
    }
    match chars[i] {
        ']' => candidates.push((TokenKind::RangeInEnd, 1)),
        '}' => candidates.push((TokenKind::RangeExEnd, 1)),
        _ => {}
    }
    if chars[i] == '"'
        && let Some(len) = delimited(chars, i, '"', false, 1)
    {
        candidates.push((TokenKind::RangeQuoted, len));
    }
    let goop = goop_len(chars, i);
    if goop > 0 {
        candidates.push((TokenKind::RangeGoop, goop));
    }
    candidates
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map_or((None, 0), |(k, l)| (Some(k), l))
}

/// Lucene's `discardEscapeChar`: `\x` is `x` (a trailing backslash is kept).
fn discard_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) => out.push(n),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The parser.

enum Failure {
    /// A Lucene `ParseException`: the text after `Cannot parse '<query>': `.
    Syntax(String),
    /// Another exception while building the query.
    Store(StoreError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Store(e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    Should,
    MustNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conj {
    None,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    None,
    Required,
    Not,
}

/// What may start a clause (`Modifiers Clause`).
const CLAUSE_START: &[TokenKind] = &[
    TokenKind::Not,
    TokenKind::Plus,
    TokenKind::Minus,
    TokenKind::BareOper,
    TokenKind::LParen,
    TokenKind::Star,
    TokenKind::Quoted,
    TokenKind::Term,
    TokenKind::PrefixTerm,
    TokenKind::WildTerm,
    TokenKind::RegexpTerm,
    TokenKind::RangeInStart,
    TokenKind::RangeExStart,
    TokenKind::Number,
];

/// What may follow a field's colon or a modifier.
const TERM_START: &[TokenKind] = &[
    TokenKind::BareOper,
    TokenKind::LParen,
    TokenKind::Star,
    TokenKind::Quoted,
    TokenKind::Term,
    TokenKind::PrefixTerm,
    TokenKind::WildTerm,
    TokenKind::RegexpTerm,
    TokenKind::RangeInStart,
    TokenKind::RangeExStart,
    TokenKind::Number,
];

/// How deep `( )` groups may nest.
const MAX_GROUP_DEPTH: usize = 100;

struct Parser<'a> {
    tokens: &'a [Lexed],
    pos: usize,
    lowering: &'a Lowering<'a>,
}

/// What the last clause ended with, for the tokens JavaCC lists as expected after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// A term or phrase: `^` and `~` could still follow.
    Term,
    /// A group or range: `^` could still follow.
    Boostable,
    /// A boost.
    Done,
}

impl Parser<'_> {
    fn peek_at(&self, offset: usize) -> Result<&Token, Failure> {
        match self.tokens.get(self.pos + offset).or(self.tokens.last()) {
            Some(Lexed::Token(t)) => Ok(t),
            Some(Lexed::Error(e)) => Err(Failure::Syntax(e.clone())),
            None => Err(Failure::Syntax("Encountered \"<EOF>\"".into())),
        }
    }

    fn peek(&self) -> Result<&Token, Failure> {
        self.peek_at(0)
    }

    fn kind(&self) -> Result<TokenKind, Failure> {
        self.peek().map(|t| t.kind)
    }

    fn next(&mut self) -> Result<Token, Failure> {
        let t = self.peek()?.clone();
        if t.kind != TokenKind::Eof {
            self.pos += 1;
        }
        Ok(t)
    }

    /// JavaCC's `ParseException` for the current token.
    fn unexpected(&self, expected: &[TokenKind]) -> Failure {
        let token = match self.peek() {
            Ok(t) => t.clone(),
            Err(f) => return f,
        };
        let mut kinds = expected.to_vec();
        kinds.sort();
        kinds.dedup();
        let encountered = if token.kind == TokenKind::Eof {
            "<EOF>".to_string()
        } else {
            format!(" {} \"{} \"", token.kind.image(), add_escapes(&token.image))
        };
        let mut message = format!(
            "Encountered \"{encountered}\" at line 1, column {}.\n",
            token.col
        );
        message.push_str(if kinds.len() == 1 {
            "Was expecting:\n    "
        } else {
            "Was expecting one of:\n    "
        });
        for kind in kinds {
            message.push_str(kind.image());
            message.push_str(" ...\n    ");
        }
        Failure::Syntax(message)
    }

    fn expect(&mut self, kind: TokenKind, expected: &[TokenKind]) -> Result<Token, Failure> {
        if self.kind()? == kind {
            self.next()
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// `TopLevelQuery := Query <EOF>`.
    fn top_level(&mut self) -> Result<Option<Query>, Failure> {
        let (query, after) = self.query(None, 0)?;
        if self.kind()? != TokenKind::Eof {
            return Err(self.unexpected(&follow(after, TokenKind::Eof)));
        }
        Ok(query)
    }

    /// `Query := Modifiers Clause (Conjunction Modifiers Clause)*`, with Lucene's
    /// `addClause` rules for the default operator.
    fn query(
        &mut self,
        field: Option<&str>,
        depth: usize,
    ) -> Result<(Option<Query>, After), Failure> {
        // Lucene recurses as deep as the groups go; a bound keeps any text from exhausting
        // the stack.
        if depth > MAX_GROUP_DEPTH {
            return Err(Failure::Syntax(format!(
                "too many nested groups (more than {MAX_GROUP_DEPTH})"
            )));
        }
        let mut clauses: Vec<(Query, Occur)> = Vec::new();
        if !CLAUSE_START.contains(&self.kind()?) {
            return Err(self.unexpected(CLAUSE_START));
        }
        let mods = self.modifiers()?;
        let (first, mut after) = self.clause(field, depth)?;
        let first_plain = mods == Modifier::None;
        let first_query = if first_plain { first.clone() } else { None };
        self.add_clause(&mut clauses, Conj::None, mods, first);
        loop {
            let kind = self.kind()?;
            if !matches!(kind, TokenKind::And | TokenKind::Or) && !CLAUSE_START.contains(&kind) {
                break;
            }
            let conj = match kind {
                TokenKind::And => {
                    self.next()?;
                    Conj::And
                }
                TokenKind::Or => {
                    self.next()?;
                    Conj::Or
                }
                _ => Conj::None,
            };
            let mods = self.modifiers_after(conj)?;
            let (q, a) = self.clause(field, depth)?;
            after = a;
            self.add_clause(&mut clauses, conj, mods, q);
        }
        if clauses.len() == 1
            && let Some(q) = first_query
        {
            return Ok((Some(q), after));
        }
        Ok((self.lowering.boolean(clauses), after))
    }

    fn modifiers(&mut self) -> Result<Modifier, Failure> {
        Ok(match self.kind()? {
            TokenKind::Plus => {
                self.next()?;
                Modifier::Required
            }
            TokenKind::Minus | TokenKind::Not => {
                self.next()?;
                Modifier::Not
            }
            _ => Modifier::None,
        })
    }

    fn modifiers_after(&mut self, conj: Conj) -> Result<Modifier, Failure> {
        if conj != Conj::None && !CLAUSE_START.contains(&self.kind()?) {
            return Err(self.unexpected(CLAUSE_START));
        }
        self.modifiers()
    }

    /// Lucene's `QueryParserBase.addClause`.
    fn add_clause(
        &self,
        clauses: &mut Vec<(Query, Occur)>,
        conj: Conj,
        mods: Modifier,
        q: Option<Query>,
    ) {
        let and = self.lowering.opts.default_operator == Operator::And;
        if let Some(last) = clauses.last_mut() {
            // `a AND b` makes `a` required, `a OR b` (with AND as default) optional, unless
            // `a` is prohibited.
            if conj == Conj::And && last.1 != Occur::MustNot {
                last.1 = Occur::Must;
            }
            if and && conj == Conj::Or && last.1 != Occur::MustNot {
                last.1 = Occur::Should;
            }
        }
        let Some(q) = q else {
            return;
        };
        let prohibited = mods == Modifier::Not;
        let required = if and {
            !prohibited && conj != Conj::Or
        } else {
            mods == Modifier::Required || (conj == Conj::And && !prohibited)
        };
        let occur = match (required, prohibited) {
            (true, false) => Occur::Must,
            (false, false) => Occur::Should,
            _ => Occur::MustNot,
        };
        clauses.push((q, occur));
    }

    /// `Clause := [ (TERM | STAR) COLON ] ( Term | LPAREN Query RPAREN [CARAT NUMBER] )`.
    fn clause(
        &mut self,
        field: Option<&str>,
        depth: usize,
    ) -> Result<(Option<Query>, After), Failure> {
        let mut field = field.map(str::to_string);
        let first = self.peek()?.clone();
        if matches!(first.kind, TokenKind::Term | TokenKind::Star)
            && self.peek_at(1)?.kind == TokenKind::Colon
        {
            self.next()?;
            self.next()?;
            field = Some(if first.kind == TokenKind::Star {
                "*".to_string()
            } else {
                discard_escapes(&first.image)
            });
            if !TERM_START.contains(&self.kind()?) {
                return Err(self.unexpected(TERM_START));
            }
        }
        if self.kind()? == TokenKind::LParen {
            self.next()?;
            let (q, after) = self.query(field.as_deref(), depth + 1)?;
            if self.kind()? != TokenKind::RParen {
                return Err(self.unexpected(&follow(after, TokenKind::RParen)));
            }
            self.next()?;
            let boost = self.optional_boost()?;
            let after = if boost.is_some() {
                After::Done
            } else {
                After::Boostable
            };
            return Ok((handle_boost(q, boost), after));
        }
        self.term(field.as_deref())
    }

    fn optional_boost(&mut self) -> Result<Option<String>, Failure> {
        if self.kind()? != TokenKind::Carat {
            return Ok(None);
        }
        self.next()?;
        let number = self.expect(TokenKind::Number, &[TokenKind::Number])?;
        Ok(Some(number.image))
    }

    /// `Term`: a bare term (with `^boost` and `~fuzziness` in either order), a range, or a
    /// quoted phrase (with `^boost` and `~slop`).
    fn term(&mut self, field: Option<&str>) -> Result<(Option<Query>, After), Failure> {
        let token = self.peek()?.clone();
        match token.kind {
            TokenKind::Term
            | TokenKind::Star
            | TokenKind::PrefixTerm
            | TokenKind::WildTerm
            | TokenKind::RegexpTerm
            | TokenKind::Number
            | TokenKind::BareOper
            | TokenKind::Quoted => {
                self.next()?;
                let (boost, slop) = self.boost_and_slop()?;
                let q = if token.kind == TokenKind::Quoted {
                    self.lowering.quoted(field, &token.image, slop.as_deref())?
                } else {
                    self.lowering.bare(field, &token, slop.as_deref())?
                };
                let after = if boost.is_some() && slop.is_some() {
                    After::Done
                } else {
                    After::Term
                };
                Ok((handle_boost(q, boost), after))
            }
            TokenKind::RangeInStart | TokenKind::RangeExStart => {
                self.next()?;
                let goop = [
                    TokenKind::RangeTo,
                    TokenKind::RangeQuoted,
                    TokenKind::RangeGoop,
                ];
                if !goop.contains(&self.kind()?) {
                    return Err(self.unexpected(&goop));
                }
                let lower = self.next()?;
                self.expect(TokenKind::RangeTo, &[TokenKind::RangeTo])?;
                if !goop.contains(&self.kind()?) {
                    return Err(self.unexpected(&goop));
                }
                let upper = self.next()?;
                let end = [TokenKind::RangeInEnd, TokenKind::RangeExEnd];
                if !end.contains(&self.kind()?) {
                    return Err(self.unexpected(&end));
                }
                let close = self.next()?;
                let boost = self.optional_boost()?;
                let q = self.lowering.range(
                    field,
                    range_bound(&lower),
                    range_bound(&upper),
                    token.kind == TokenKind::RangeInStart,
                    close.kind == TokenKind::RangeInEnd,
                )?;
                let after = if boost.is_some() {
                    After::Done
                } else {
                    After::Boostable
                };
                Ok((handle_boost(q, boost), after))
            }
            _ => Err(self.unexpected(TERM_START)),
        }
    }

    /// `[ CARAT NUMBER [FUZZY_SLOP] | FUZZY_SLOP [CARAT NUMBER] ]`.
    fn boost_and_slop(&mut self) -> Result<(Option<String>, Option<String>), Failure> {
        match self.kind()? {
            TokenKind::Carat => {
                let boost = self.optional_boost()?;
                let slop = if self.kind()? == TokenKind::FuzzySlop {
                    Some(self.next()?.image)
                } else {
                    None
                };
                Ok((boost, slop))
            }
            TokenKind::FuzzySlop => {
                let slop = Some(self.next()?.image);
                let boost = self.optional_boost()?;
                Ok((boost, slop))
            }
            _ => Ok((None, None)),
        }
    }
}

/// What JavaCC lists as expected after a clause, where `close` (end of text or `)`) was due.
fn follow(after: After, close: TokenKind) -> Vec<TokenKind> {
    let mut kinds = vec![close, TokenKind::And, TokenKind::Or];
    kinds.extend_from_slice(CLAUSE_START);
    match after {
        After::Term => kinds.extend([TokenKind::Carat, TokenKind::FuzzySlop]),
        After::Boostable => kinds.push(TokenKind::Carat),
        After::Done => {}
    }
    kinds
}

/// A range bound: quotes removed, `*` open, escapes dropped.
fn range_bound(token: &Token) -> Option<String> {
    if token.kind == TokenKind::RangeQuoted {
        let inner: String = {
            let chars: Vec<char> = token.image.chars().collect();
            chars[1..chars.len().saturating_sub(1).max(1)]
                .iter()
                .collect()
        };
        return Some(discard_escapes(&inner));
    }
    if token.image == "*" {
        return None;
    }
    Some(discard_escapes(&token.image))
}

/// Lucene's `handleBoost`: an unreadable boost counts as 1.
fn handle_boost(q: Option<Query>, boost: Option<String>) -> Option<Query> {
    let boost = boost.map(|b| crate::query::node::java_float(&b).unwrap_or(1.0) as f32);
    match (q, boost) {
        (Some(q), Some(b)) => Some(with_boost(q, b)),
        (q, _) => q,
    }
}

// ---------------------------------------------------------------------------------------
// Lowering: Elasticsearch's `QueryStringQueryParser` over our query variants.

struct Lowering<'a> {
    opts: &'a QueryStringOptions,
    /// The fields an unqualified term searches, with their boosts.
    default_fields: BTreeMap<String, f32>,
    match_opts: MatchOptions,
    quote_opts: MatchOptions,
    tie_breaker: f32,
}

impl<'a> Lowering<'a> {
    fn new(opts: &'a QueryStringOptions) -> Self {
        let default_fields = match &opts.default_field {
            Some(f) => BTreeMap::from([(f.clone(), 1.0)]),
            None if !opts.fields.is_empty() => opts.fields.clone(),
            // `index.query.default_field`.
            None => BTreeMap::from([("*".to_string(), 1.0)]),
        };
        // Searching every field is lenient unless told otherwise: most fields cannot take
        // most values.
        let lenient = opts.lenient.unwrap_or(has_all_fields(&default_fields));
        let match_opts = MatchOptions {
            operator: opts.default_operator,
            lenient,
            analyzer: opts.analyzer.clone(),
            ..MatchOptions::default()
        };
        let quote_opts = MatchOptions {
            analyzer: opts.quote_analyzer.clone().or(opts.analyzer.clone()),
            ..match_opts.clone()
        };
        Self {
            opts,
            default_fields,
            match_opts,
            quote_opts,
            tie_breaker: opts.tie_breaker.unwrap_or(opts.kind.tie_breaker()),
        }
    }

    fn fields(&self, field: Option<&str>) -> BTreeMap<String, f32> {
        match field {
            Some(f) => BTreeMap::from([(f.to_string(), 1.0)]),
            None => self.default_fields.clone(),
        }
    }

    /// One query per field, combined by `dis_max` with the tie breaker.
    fn per_field(&self, field: Option<&str>, build: impl Fn(&str, f32) -> Query) -> Query {
        let mut queries: Vec<Query> = self
            .fields(field)
            .iter()
            .map(|(f, b)| build(f, *b))
            .collect();
        if queries.len() == 1 {
            return queries.remove(0);
        }
        Query::DisMax {
            queries,
            tie_breaker: self.tie_breaker,
            boost: 1.0,
        }
    }

    /// Lucene's `getBooleanQuery`: no clauses is no query.
    fn boolean(&self, clauses: Vec<(Query, Occur)>) -> Option<Query> {
        if clauses.is_empty() {
            return None;
        }
        let mut b = BoolQuery {
            boost: 1.0,
            ..BoolQuery::default()
        };
        for (q, occur) in clauses {
            match occur {
                Occur::Must => b.must.push(q),
                Occur::Should => b.should.push(q),
                Occur::MustNot => b.must_not.push(q),
            }
        }
        Some(Query::Bool(b))
    }

    /// `handleBareTokenQuery`.
    fn bare(
        &self,
        field: Option<&str>,
        token: &Token,
        slop: Option<&str>,
    ) -> Result<Option<Query>, Failure> {
        match token.kind {
            TokenKind::Star | TokenKind::WildTerm => self.wildcard(field, &token.image),
            TokenKind::PrefixTerm => {
                let image = &token.image[..token.image.len() - 1];
                Ok(Some(self.prefix(field, &discard_escapes(image))))
            }
            TokenKind::RegexpTerm => {
                let inner = &token.image[1..token.image.len() - 1];
                Ok(Some(self.per_field(field, |f, b| Query::Regexp {
                    field: f.to_string(),
                    pattern: inner.to_string(),
                    case_insensitive: false,
                    boost: b,
                })))
            }
            // `+`, `-` or `!` alone: analysis leaves nothing, and the clause is dropped.
            TokenKind::BareOper => Ok(None),
            _ => {
                let text = discard_escapes(&token.image);
                match slop {
                    Some(slop) => self.fuzzy(field, &text, slop).map(Some),
                    None => self.field_query(field, &text),
                }
            }
        }
    }

    /// `getFieldQuery(field, text, quoted=false)`: `_exists_`, the one-sided ranges of
    /// `field:>=x`, else a match on every field.
    fn field_query(&self, field: Option<&str>, text: &str) -> Result<Option<Query>, Failure> {
        if field == Some("_exists_") {
            return Ok(Some(exists(text)));
        }
        if field.is_some() && text.chars().count() > 1 {
            let (op, rest) = if let Some(rest) = text.strip_prefix(">=") {
                (">=", rest)
            } else if let Some(rest) = text.strip_prefix("<=") {
                ("<=", rest)
            } else if let Some(rest) = text.strip_prefix('>') {
                (">", rest)
            } else if let Some(rest) = text.strip_prefix('<') {
                ("<", rest)
            } else {
                ("", text)
            };
            // `>=` alone is a `>` bound on `=`, as Elasticsearch's length checks make it.
            let (op, rest) = if rest.is_empty() && op.len() == 2 {
                (&op[..1], &text[1..])
            } else {
                (op, rest)
            };
            let bound = Some(rest.to_string());
            let q = match op {
                ">=" => Some(self.range(field, bound, None, true, true)?),
                ">" => Some(self.range(field, bound, None, false, true)?),
                "<=" => Some(self.range(field, None, bound, true, true)?),
                "<" => Some(self.range(field, None, bound, true, false)?),
                _ => None,
            };
            if q.is_some() {
                return Ok(q.flatten());
            }
        }
        let fields = self.fields(field);
        Ok(Some(
            MultiFieldQuery {
                fields: &fields,
                kind: self.opts.kind,
                opts: &self.match_opts,
                slop: self.opts.phrase_slop,
                tie_breaker: Some(self.tie_breaker),
            }
            .lower(&Scalar::String(text.to_string()), 1.0),
        ))
    }

    /// `handleQuotedTerm`: a phrase with the query's `phrase_slop` or its own `~slop`.
    fn quoted(
        &self,
        field: Option<&str>,
        image: &str,
        slop: Option<&str>,
    ) -> Result<Option<Query>, Failure> {
        let inner = image
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(image);
        let text = discard_escapes(inner);
        if field == Some("_exists_") {
            return Ok(Some(exists(&text)));
        }
        let slop = match slop {
            Some(s) => match crate::query::node::java_float(&s[1..]) {
                Some(f) if f < 0.0 => {
                    return Err(Failure::Store(creation("slop value cannot be negative")));
                }
                Some(f) => f as u32,
                None => self.opts.phrase_slop,
            },
            None => self.opts.phrase_slop,
        };
        let fields = self.fields(field);
        Ok(Some(
            MultiFieldQuery {
                fields: &fields,
                kind: MultiMatchType::Phrase,
                opts: &self.quote_opts,
                slop,
                tie_breaker: Some(self.tie_breaker),
            }
            .lower(&Scalar::String(text), 1.0),
        ))
    }

    /// `handleBareFuzzy`: `~` alone uses the query's `fuzziness`, `~N` its own.
    fn fuzzy(&self, field: Option<&str>, text: &str, slop: &str) -> Result<Query, Failure> {
        let fuzziness = if slop.len() == 1 {
            self.opts.fuzziness
        } else {
            Fuzziness::parse(&slop[1..]).map_err(|e| {
                Failure::Store(match e {
                    StoreError::NumberFormat(reason) => StoreError::QueryCreation {
                        reason: format!("failed to create query: {reason}"),
                        cause: Some(("number_format_exception".into(), reason)),
                        index: String::new(),
                        uuid: String::new(),
                    },
                    other => creation(&other.to_string()),
                })
            })?
        };
        let opts = MatchOptions {
            fuzziness: Some(fuzziness),
            prefix_length: self.opts.fuzzy_prefix_length,
            max_expansions: self.opts.fuzzy_max_expansions,
            fuzzy_transpositions: self.opts.fuzzy_transpositions,
            ..self.match_opts.clone()
        };
        Ok(self.per_field(field, |f, b| {
            crate::query::full_text::match_query(f, Scalar::String(text.to_string()), &opts, b)
        }))
    }

    /// `getWildcardQuery`: `*` alone is every document (on every field) or the field's
    /// existence; a leading wildcard may be refused.
    fn wildcard(&self, field: Option<&str>, image: &str) -> Result<Option<Query>, Failure> {
        let actual =
            field
                .or(self.opts.default_field.as_deref())
                .or(if self.opts.fields.is_empty() {
                    Some("*")
                } else {
                    None
                });
        if image == "*" {
            if let Some(actual) = actual {
                return Ok(Some(if actual == "*" {
                    Query::MatchAll { boost: 1.0 }
                } else {
                    exists(actual)
                }));
            }
            return Ok(Some(self.per_field(field, |f, b| Query::Exists {
                field: f.to_string(),
                boost: b,
            })));
        }
        if !self.opts.allow_leading_wildcard && (image.starts_with('*') || image.starts_with('?')) {
            return Err(Failure::Syntax(
                "'*' or '?' not allowed as first character in WildcardQuery".into(),
            ));
        }
        Ok(Some(self.per_field(field, |f, b| Query::Wildcard {
            field: f.to_string(),
            pattern: image.to_string(),
            case_insensitive: false,
            boost: b,
        })))
    }

    fn prefix(&self, field: Option<&str>, text: &str) -> Query {
        self.per_field(field, |f, b| Query::Prefix {
            field: f.to_string(),
            value: text.to_string(),
            case_insensitive: false,
            boost: b,
        })
    }

    /// `getRangeQuery`: `*` is an open bound.
    fn range(
        &self,
        field: Option<&str>,
        lower: Option<String>,
        upper: Option<String>,
        include_lower: bool,
        include_upper: bool,
    ) -> Result<Option<Query>, Failure> {
        let lower = lower.filter(|b| b != "*").map(Scalar::String);
        let upper = upper.filter(|b| b != "*").map(Scalar::String);
        let time_zone = self.opts.time_zone.clone();
        Ok(Some(self.per_field(field, |f, b| {
            let (gt, gte) = if include_lower {
                (None, lower.clone())
            } else {
                (lower.clone(), None)
            };
            let (lt, lte) = if include_upper {
                (None, upper.clone())
            } else {
                (upper.clone(), None)
            };
            Query::Range(RangeQuery {
                field: f.to_string(),
                gt,
                gte,
                lt,
                lte,
                format: None,
                time_zone: time_zone.clone(),
                boost: b,
            })
        })))
    }
}

fn exists(field: &str) -> Query {
    Query::Exists {
        field: field.to_string(),
        boost: 1.0,
    }
}

/// `failed to create query: <reason>` for an `IllegalArgumentException` raised while the
/// query is built.
fn creation(reason: &str) -> StoreError {
    StoreError::QueryCreation {
        reason: format!("failed to create query: {reason}"),
        cause: Some(("illegal_argument_exception".into(), reason.to_string())),
        index: String::new(),
        uuid: String::new(),
    }
}

/// The `q=` parameter's query (`RestActions.urlParamsToQueryBuilder`), with `df`,
/// `analyzer`, `analyze_wildcard`, `lenient` and `default_operator`.
pub(crate) fn url_query(
    q: &str,
    df: Option<&str>,
    analyzer: Option<&str>,
    lenient: Option<bool>,
    default_operator: Option<&str>,
) -> Result<Query, StoreError> {
    let mut opts = QueryStringOptions {
        default_field: df.map(str::to_string),
        analyzer: analyzer.map(str::to_string),
        lenient,
        ..QueryStringOptions::default()
    };
    if let Some(op) = default_operator {
        opts.default_operator = operator_from(op)?;
    }
    query_string(q, &opts)
}

#[cfg(test)]
#[path = "query_string_tests.rs"]
mod tests;
