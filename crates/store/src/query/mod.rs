//! Search requests as typed values: the query DSL tree and the request around it (paging,
//! sort, `_source` filtering, total hits). A request body is parsed into these with
//! Elasticsearch's errors before anything runs; the engine executes them.
//!
//! Field names in leaf queries are dotted paths (`host.name`, `message.keyword`). A field may
//! also be a wildcard pattern (`*`, `host.*`), as `query_string`, `simple_query_string` and
//! `multi_match` allow: the engine expands it over the mapping's searchable fields and ORs the
//! results, as Elasticsearch does. Any leaf query may carry such a pattern (`exists`, `range`,
//! `prefix`, `wildcard`, `regexp` from the query languages included); when the query was built
//! for every field (`*`), it is lenient: a field whose type cannot take the value is skipped.
//!
//! `query_string`, `simple_query_string`, `multi_match` and `match_bool_prefix` have no
//! variant of their own: the parser lowers them to `bool`, `dis_max`, `match`,
//! `match_phrase`, `prefix`, `wildcard`, `regexp`, `range` and `exists` as Elasticsearch's
//! query parsers build them.
//!
//! Parsing, file by file: [`parse_query`] (the DSL: dispatch and compound queries), the
//! term-level and full-text queries, the two query languages, [`MinimumShouldMatch`] and
//! [`Fuzziness`] rules, [`parse_search`] and [`parse_count`] (bodies and URL parameters),
//! [`parse_msearch`], and [`SourceFilter`] application with [`parse_source_params`]. Errors
//! carry Elasticsearch's `line`/`col` when the JSON was given as bytes ([`parse_query_bytes`],
//! [`SearchBody::Bytes`]).

use std::time::Duration;

mod full_text;
mod highlight;
mod minimum_should_match;
mod msearch;
pub(crate) mod node;
mod parse;
mod query_string;
mod search_request;
mod simple_query_string;
mod source_filter;
mod term_level;

pub use highlight::{
    BoundaryScanner, Highlight, HighlightEncoder, HighlightField, HighlightOptions, HighlightOrder,
    ResolvedOptions,
};
pub use msearch::{MsearchHeader, MsearchItem, ParsedMsearch, parse_msearch};
pub(crate) use parse::{FieldType, check_type, object_field, parse_top};
pub use parse::{MAX_NESTED_DEPTH, parse_query, parse_query_bytes};
pub use search_request::{
    CountRequest, ExpandWildcards, IndicesOptions, ParsedSearch, SEARCH_PARAMETERS, SearchBody,
    SearchParams, SearchType, check_result_window, parse_count, parse_search, parse_search_request,
    query_from_params,
};
pub(crate) use search_request::{fetch_source, parse_sort};
pub use source_filter::{SourceMatcher, parse_source_params};

/// A scalar value in a query (`term`, `range` bounds, `missing`).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A string.
    String(String),
    /// An integral number.
    Long(i64),
    /// A number with a fraction (or beyond `i64`).
    Double(f64),
    /// A boolean.
    Bool(bool),
}

/// `operator` of `match`-like queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operator {
    /// Any term (the default).
    #[default]
    Or,
    /// Every term.
    And,
}

/// `minimum_should_match`, kept as Elasticsearch's specification (`3`, `-2`, `75%`, `-25%`,
/// `3<90%`, `2<-25% 9<-3`) and resolved against the number of optional clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinimumShouldMatch(pub String);

/// `fuzziness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fuzziness {
    /// A fixed number of edits (0, 1 or 2).
    Edits(u8),
    /// `AUTO[:low,high]` (default 3 and 6): 0 edits below `low` characters, 1 below `high`, 2
    /// from `high`.
    Auto {
        /// Shortest term length allowed one edit.
        low: u32,
        /// Shortest term length allowed two edits.
        high: u32,
    },
}

/// `zero_terms_query`: what a query whose analysis left no terms matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroTermsQuery {
    /// Nothing (the default).
    #[default]
    None,
    /// Everything.
    All,
}

/// The query DSL.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// `match_all`.
    MatchAll {
        /// `boost` (1.0).
        boost: f32,
    },
    /// `match_none`.
    MatchNone,
    /// `term`: no analysis.
    Term {
        /// Field.
        field: String,
        /// Exact value.
        value: Scalar,
        /// `case_insensitive` (keyword fields).
        case_insensitive: bool,
        /// `boost`.
        boost: f32,
    },
    /// `terms`: any of the values.
    Terms {
        /// Field.
        field: String,
        /// Exact values.
        values: Vec<Scalar>,
        /// `boost`.
        boost: f32,
    },
    /// `range`.
    Range(RangeQuery),
    /// `exists`.
    Exists {
        /// Field.
        field: String,
        /// `boost`.
        boost: f32,
    },
    /// `prefix`.
    Prefix {
        /// Field.
        field: String,
        /// The prefix.
        value: String,
        /// `case_insensitive`.
        case_insensitive: bool,
        /// `boost`.
        boost: f32,
    },
    /// `wildcard` (`*`, `?`, `\` escapes).
    Wildcard {
        /// Field.
        field: String,
        /// The pattern.
        pattern: String,
        /// `case_insensitive`.
        case_insensitive: bool,
        /// `boost`.
        boost: f32,
    },
    /// `regexp` (Lucene regular expressions, whole-term match).
    Regexp {
        /// Field.
        field: String,
        /// The expression.
        pattern: String,
        /// `case_insensitive`.
        case_insensitive: bool,
        /// `boost`.
        boost: f32,
    },
    /// `ids`.
    Ids {
        /// The `_id`s.
        values: Vec<String>,
        /// `boost`.
        boost: f32,
    },
    /// `match`: the text analysed with the field's analyzer, terms combined by `operator`.
    Match(MatchQuery),
    /// `match_phrase` and `match_phrase_prefix`.
    MatchPhrase(MatchPhraseQuery),
    /// `bool`.
    Bool(BoolQuery),
    /// `constant_score`: the filter's matches, each scored `boost`.
    ConstantScore {
        /// The filter.
        filter: Box<Query>,
        /// The score (1.0).
        boost: f32,
    },
    /// `boosting`: `positive`'s matches, scores multiplied by `negative_boost` where
    /// `negative` also matches.
    Boosting {
        /// Matches and scores.
        positive: Box<Query>,
        /// Demotes.
        negative: Box<Query>,
        /// Factor for demoted documents, 0 to 1.
        negative_boost: f32,
    },
    /// `dis_max` (and `multi_match` of type `best_fields`): the best clause's score plus
    /// `tie_breaker` times the others'.
    DisMax {
        /// The clauses.
        queries: Vec<Query>,
        /// `tie_breaker` (0.0).
        tie_breaker: f32,
        /// `boost`.
        boost: f32,
    },
}

/// `range`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    /// Field.
    pub field: String,
    /// `gt`.
    pub gt: Option<Scalar>,
    /// `gte` (`from` with `include_lower`).
    pub gte: Option<Scalar>,
    /// `lt`.
    pub lt: Option<Scalar>,
    /// `lte` (`to` with `include_upper`).
    pub lte: Option<Scalar>,
    /// `format` for date bounds (`strict_date_optional_time||epoch_millis` by default).
    pub format: Option<String>,
    /// `time_zone` for date bounds (`+01:00`, `Europe/Paris`); does not affect `now`.
    pub time_zone: Option<String>,
    /// `boost`.
    pub boost: f32,
}

/// `match`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchQuery {
    /// Field (or pattern, see the module documentation).
    pub field: String,
    /// The text (or a number, boolean, date for non-text fields).
    pub query: Scalar,
    /// `operator`.
    pub operator: Operator,
    /// `minimum_should_match`.
    pub minimum_should_match: Option<MinimumShouldMatch>,
    /// `fuzziness`.
    pub fuzziness: Option<Fuzziness>,
    /// `prefix_length` (0).
    pub prefix_length: u32,
    /// `max_expansions` (50).
    pub max_expansions: u32,
    /// `fuzzy_transpositions` (true).
    pub fuzzy_transpositions: bool,
    /// `lenient`: a value that does not fit the field's type matches nothing instead of
    /// failing.
    pub lenient: bool,
    /// `zero_terms_query`.
    pub zero_terms_query: ZeroTermsQuery,
    /// `analyzer`, when not the field's.
    pub analyzer: Option<String>,
    /// `boost`.
    pub boost: f32,
}

/// `match_phrase` / `match_phrase_prefix`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchPhraseQuery {
    /// Field (or pattern).
    pub field: String,
    /// The phrase.
    pub query: String,
    /// `slop` (0).
    pub slop: u32,
    /// `match_phrase_prefix`: the last term is a prefix, expanded to at most
    /// `max_expansions` (50) terms.
    pub prefix: Option<u32>,
    /// `zero_terms_query`.
    pub zero_terms_query: ZeroTermsQuery,
    /// `analyzer`, when not the field's.
    pub analyzer: Option<String>,
    /// `boost`.
    pub boost: f32,
}

/// `bool`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BoolQuery {
    /// Must match, scored.
    pub must: Vec<Query>,
    /// Must match, not scored.
    pub filter: Vec<Query>,
    /// Should match, scored; how many must is `minimum_should_match` (default 1 when there is
    /// no `must`/`filter`, else 0).
    pub should: Vec<Query>,
    /// Must not match.
    pub must_not: Vec<Query>,
    /// `minimum_should_match`.
    pub minimum_should_match: Option<MinimumShouldMatch>,
    /// `boost`.
    pub boost: f32,
}

/// A search request (`GET|POST /<target>/_search`, body and URL parameters merged).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// `query` (`match_all` when absent).
    pub query: Query,
    /// `post_filter`: applied to hits after aggregations.
    pub post_filter: Option<Query>,
    /// `from` (0).
    pub from: usize,
    /// `size` (10).
    pub size: usize,
    /// `sort` (by score when empty).
    pub sort: Vec<SortSpec>,
    /// `search_after`: the previous page's last `sort` values.
    pub search_after: Option<Vec<serde_json::Value>>,
    /// `_source` filtering.
    pub source: SourceFilter,
    /// `fields`: values from the mapping, formatted.
    pub fields: Vec<FieldAndFormat>,
    /// `docvalue_fields`.
    pub docvalue_fields: Vec<FieldAndFormat>,
    /// `track_total_hits`.
    pub track_total_hits: TrackTotalHits,
    /// `track_scores`: scores even when sorting by fields.
    pub track_scores: bool,
    /// `version`: `_version` in hits.
    pub version: bool,
    /// `seq_no_primary_term`: `_seq_no` and `_primary_term` in hits.
    pub seq_no_primary_term: bool,
    /// `min_score`.
    pub min_score: Option<f32>,
    /// `terminate_after`: stop after this many matches (per shard).
    pub terminate_after: Option<u64>,
    /// `timeout`: answer with what was found so far and `timed_out: true`.
    pub timeout: Option<Duration>,
    /// `aggs` / `aggregations` as sent.
    pub aggregations: Option<serde_json::Value>,
    /// `aggs` / `aggregations` parsed ([`crate::aggs`]); the engine parses
    /// [`SearchRequest::aggregations`] when this is `None`.
    pub aggs: Option<crate::aggs::Aggregations>,
    /// `typed_keys`: aggregation names prefixed with their type in the response.
    pub typed_keys: bool,
    /// `highlight`.
    pub highlight: Option<Highlight>,
    /// `pit`: search this point in time (no indices in the path).
    pub point_in_time: Option<PointInTime>,
}

/// A search's `pit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointInTime {
    /// The id `POST /<index>/_pit` returned.
    pub id: String,
    /// `keep_alive`: how much longer the point in time must live.
    pub keep_alive: Option<Duration>,
}

/// One `sort` criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct SortSpec {
    /// What to sort on.
    pub by: SortBy,
    /// `order` (`desc` for `_score`, `asc` otherwise).
    pub order: SortOrder,
    /// `missing` (`_last`).
    pub missing: Missing,
    /// `unmapped_type`: how to treat a field an index does not map.
    pub unmapped_type: Option<String>,
    /// `mode` for multi-valued fields (`min` ascending, `max` descending).
    pub mode: Option<SortMode>,
    /// `format` of date sort values.
    pub format: Option<String>,
}

/// What a sort criterion sorts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortBy {
    /// `_score`.
    Score,
    /// `_doc` (index order).
    Doc,
    /// `_shard_doc`: index order across the indices of a point in time, unique per document,
    /// the tiebreaker of paging through one.
    ShardDoc,
    /// A field.
    Field(String),
}

/// `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// `missing`.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    /// `_first`.
    First,
    /// `_last` (the default).
    Last,
    /// A value used for documents without one.
    Value(Scalar),
}

/// `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortMode {
    /// `min`.
    Min,
    /// `max`.
    Max,
    /// `sum`.
    Sum,
    /// `avg`.
    Avg,
    /// `median`.
    Median,
}

/// `_source` filtering.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SourceFilter {
    /// The whole `_source` (the default).
    #[default]
    All,
    /// No `_source` (`_source: false`).
    None,
    /// Only the fields matching `includes` (all when empty) and not `excludes` (wildcards).
    Filter {
        /// Include patterns.
        includes: Vec<String>,
        /// Exclude patterns.
        excludes: Vec<String>,
    },
}

/// A `fields` / `docvalue_fields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAndFormat {
    /// Field or pattern.
    pub field: String,
    /// `format` (dates).
    pub format: Option<String>,
}

/// `track_total_hits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackTotalHits {
    /// `true`: count every match.
    Exact,
    /// A threshold (10,000 by default): beyond it, `relation: gte`.
    UpTo(u64),
    /// `false`: no `hits.total`.
    Off,
}

impl Default for SearchRequest {
    fn default() -> Self {
        Self {
            query: Query::MatchAll { boost: 1.0 },
            post_filter: None,
            from: 0,
            size: 10,
            sort: Vec::new(),
            search_after: None,
            source: SourceFilter::All,
            fields: Vec::new(),
            docvalue_fields: Vec::new(),
            track_total_hits: TrackTotalHits::UpTo(10_000),
            track_scores: false,
            version: false,
            seq_no_primary_term: false,
            min_score: None,
            terminate_after: None,
            timeout: None,
            aggregations: None,
            aggs: None,
            typed_keys: false,
            highlight: None,
            point_in_time: None,
        }
    }
}
