//! A search request's `highlight` as a typed value, read as Elasticsearch's `HighlightBuilder`
//! reads it (its `ObjectParser` errors and wrappers included), and the per-field options it
//! resolves to: a field's own options over the top-level ones over Elasticsearch's defaults.

use crate::StoreError;
use crate::query::Query;
use crate::query::node::{
    Kind, Node, field_failed, illegal, parsing, unknown_field, unsupported_type, x_content,
};
use crate::query::parse::{FieldType, check_type, object_field, parse_top};

/// `highlight`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Highlight {
    /// The options given at the top level (defaults for every field).
    pub options: HighlightOptions,
    /// `fields`, in request order (names may be wildcard patterns).
    pub fields: Vec<HighlightField>,
    /// The search's query as the client sent it, pinned when the request is parsed: terms are
    /// taken from it (unless a `highlight_query` is given), never from the filters the
    /// security layer adds later (document-level security must not highlight anything).
    pub search_query: Option<Query>,
}

/// One entry of `fields`.
#[derive(Debug, Clone, PartialEq)]
pub struct HighlightField {
    /// The field name or pattern.
    pub name: String,
    /// Its own options (over the top-level ones).
    pub options: HighlightOptions,
    /// `matched_fields` (accepted; used by `fvh` in Elasticsearch, not by the plain highlighter).
    pub matched_fields: Option<Vec<String>>,
    /// `fragment_offset` (accepted; `fvh` only in Elasticsearch).
    pub fragment_offset: Option<i32>,
}

/// `order`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighlightOrder {
    /// Fragments in the order the text has them.
    None,
    /// Best fragments first.
    Score,
}

/// `encoder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HighlightEncoder {
    /// The text as it is.
    Default,
    /// The text HTML-escaped (not the tags).
    Html,
}

/// `boundary_scanner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryScanner {
    /// `chars`.
    Chars,
    /// `word`.
    Word,
    /// `sentence`.
    Sentence,
}

/// The options `highlight` and each of its fields may carry; `None` is "not given".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HighlightOptions {
    /// `pre_tags` (only the first is used by the plain highlighter).
    pub pre_tags: Option<Vec<String>>,
    /// `post_tags`.
    pub post_tags: Option<Vec<String>>,
    /// `fragment_size` in characters (100).
    pub fragment_size: Option<i32>,
    /// `number_of_fragments` (5; 0 highlights each value whole).
    pub number_of_fragments: Option<i32>,
    /// `no_match_size` (0): characters from the start of the field when nothing matched.
    pub no_match_size: Option<i32>,
    /// `require_field_match` (true): only terms of queries on this field highlight it.
    pub require_field_match: Option<bool>,
    /// `highlight_query`: highlight this query's terms instead of the search's.
    pub highlight_query: Option<Box<Query>>,
    /// `order` (`none`).
    pub order: Option<HighlightOrder>,
    /// `encoder` (`default`).
    pub encoder: Option<HighlightEncoder>,
    /// `type` as given (`unified` by default; checked when the search runs, as Elasticsearch
    /// does).
    pub highlighter_type: Option<String>,
    /// `fragmenter` as given (`span` by default; checked when the search runs).
    pub fragmenter: Option<String>,
    /// `max_analyzed_offset`: text beyond this many characters is not analysed.
    pub max_analyzed_offset: Option<i32>,
    /// `boundary_scanner` (accepted; `fvh`/`unified` only in Elasticsearch).
    pub boundary_scanner: Option<BoundaryScanner>,
    /// `boundary_max_scan` (accepted).
    pub boundary_max_scan: Option<i32>,
    /// `boundary_chars` (accepted).
    pub boundary_chars: Option<String>,
    /// `boundary_scanner_locale` (accepted).
    pub boundary_scanner_locale: Option<String>,
    /// `highlight_filter` (accepted; `fvh` only).
    pub highlight_filter: Option<bool>,
    /// `phrase_limit` (accepted; `fvh` only).
    pub phrase_limit: Option<i32>,
}

/// The options one field is highlighted with, every default applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedOptions {
    /// The opening tag.
    pub pre_tag: String,
    /// The closing tag.
    pub post_tag: String,
    /// `fragment_size`.
    pub fragment_size: i32,
    /// `number_of_fragments`.
    pub number_of_fragments: i32,
    /// `no_match_size`.
    pub no_match_size: i32,
    /// `require_field_match`.
    pub require_field_match: bool,
    /// `order: score`.
    pub score_ordered: bool,
    /// `encoder`.
    pub encoder: HighlightEncoder,
    /// `type` (`unified` when not given).
    pub highlighter_type: String,
    /// `fragmenter`, when given.
    pub fragmenter: Option<String>,
    /// `max_analyzed_offset`, when given.
    pub max_analyzed_offset: Option<i32>,
}

/// `HighlightBuilder.DEFAULT_STYLED_PRE_TAG`.
const STYLED_PRE_TAGS: [&str; 10] = [
    "<em class=\"hlt1\">",
    "<em class=\"hlt2\">",
    "<em class=\"hlt3\">",
    "<em class=\"hlt4\">",
    "<em class=\"hlt5\">",
    "<em class=\"hlt6\">",
    "<em class=\"hlt7\">",
    "<em class=\"hlt8\">",
    "<em class=\"hlt9\">",
    "<em class=\"hlt10\">",
];

/// The keys every highlighter builder declares (`AbstractHighlighterBuilder.setupParser`).
const COMMON_KEYS: &[&str] = &[
    "pre_tags",
    "post_tags",
    "order",
    "highlight_filter",
    "fragment_size",
    "number_of_fragments",
    "encoder",
    "tags_schema",
    "require_field_match",
    "boundary_scanner",
    "boundary_max_scan",
    "boundary_chars",
    "boundary_scanner_locale",
    "type",
    "fragmenter",
    "no_match_size",
    "phrase_limit",
    "max_analyzed_offset",
    "options",
    "highlight_query",
];

const FIELDS_SHAPE: &str = "[fields] can be a single object with any number of fields or an array where each entry is an object with a single field";

impl Highlight {
    /// The options `field` (an entry of [`Highlight::fields`]) is highlighted with.
    pub fn resolve(&self, field: &HighlightField) -> ResolvedOptions {
        let (f, top) = (&field.options, &self.options);
        let tags = |own: &Option<Vec<String>>, top: &Option<Vec<String>>, default: &str| {
            own.as_ref()
                .or(top.as_ref())
                .and_then(|t| t.first().cloned())
                .unwrap_or_else(|| default.to_string())
        };
        ResolvedOptions {
            pre_tag: tags(&f.pre_tags, &top.pre_tags, "<em>"),
            post_tag: tags(&f.post_tags, &top.post_tags, "</em>"),
            fragment_size: f.fragment_size.or(top.fragment_size).unwrap_or(100),
            number_of_fragments: f
                .number_of_fragments
                .or(top.number_of_fragments)
                .unwrap_or(5),
            no_match_size: f.no_match_size.or(top.no_match_size).unwrap_or(0),
            require_field_match: f
                .require_field_match
                .or(top.require_field_match)
                .unwrap_or(true),
            score_ordered: f.order.or(top.order) == Some(HighlightOrder::Score),
            encoder: f
                .encoder
                .or(top.encoder)
                .unwrap_or(HighlightEncoder::Default),
            highlighter_type: f
                .highlighter_type
                .clone()
                .or_else(|| top.highlighter_type.clone())
                .unwrap_or_else(|| "unified".to_string()),
            fragmenter: f.fragmenter.clone().or_else(|| top.fragmenter.clone()),
            max_analyzed_offset: f.max_analyzed_offset.or(top.max_analyzed_offset),
        }
    }

    /// The query whose terms `field` highlights: its own `highlight_query`, the top-level one,
    /// else the search's query as sent (`fallback` when none was pinned).
    pub fn query_for<'a>(&'a self, field: &'a HighlightField, fallback: &'a Query) -> &'a Query {
        field
            .options
            .highlight_query
            .as_deref()
            .or(self.options.highlight_query.as_deref())
            .or(self.search_query.as_ref())
            .unwrap_or(fallback)
    }
}

/// `HighlightBuilder.fromXContent` over the value of `highlight`.
pub(crate) fn parse_highlight(node: &Node) -> Result<Highlight, StoreError> {
    const PARSER: &str = "highlight";
    let Some(entries) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!("[{PARSER}] Expected START_OBJECT but was: {}", node.token()),
        ));
    };
    let mut highlight = Highlight::default();
    for f in entries {
        if f.key == "fields" {
            if !matches!(f.value.kind, Kind::Object(_) | Kind::Array(_)) {
                return Err(unsupported_type(f.value.at, PARSER, &f.key, &f.value));
            }
            let fields = object_field(PARSER, f, parse_fields)?;
            highlight.fields.extend(fields);
            continue;
        }
        if !common_option(PARSER, f, &mut highlight.options)? {
            let mut candidates = COMMON_KEYS.to_vec();
            candidates.push("fields");
            return Err(unknown_field(f.key_at, PARSER, &f.key, &candidates));
        }
    }
    check_tags(&highlight.options, node)?;
    Ok(highlight)
}

/// `declareNamedObjects`: `{"a": {..}, "b": {..}}` or `[{"a": {..}}, {"b": {..}}]`.
fn parse_fields(node: &Node) -> Result<Vec<HighlightField>, StoreError> {
    let mut out = Vec::new();
    match &node.kind {
        Kind::Object(entries) => {
            for e in entries {
                out.push(named_field(e)?);
            }
        }
        Kind::Array(items) => {
            for item in items {
                match item.as_object() {
                    Some([only]) => out.push(named_field(only)?),
                    _ => return Err(x_content(item.at, FIELDS_SHAPE)),
                }
            }
        }
        _ => return Err(x_content(node.at, FIELDS_SHAPE)),
    }
    Ok(out)
}

/// One named field, its failure wrapped as `[fields] failed to parse field [<name>]`.
fn named_field(f: &crate::query::node::Field) -> Result<HighlightField, StoreError> {
    object_field("fields", f, |v| parse_field(&f.key, v))
}

/// `HighlightBuilder.Field.PARSER`.
fn parse_field(name: &str, node: &Node) -> Result<HighlightField, StoreError> {
    const PARSER: &str = "highlight_field";
    let Some(entries) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!("[{PARSER}] Expected START_OBJECT but was: {}", node.token()),
        ));
    };
    let mut field = HighlightField {
        name: name.to_string(),
        options: HighlightOptions::default(),
        matched_fields: None,
        fragment_offset: None,
    };
    for f in entries {
        match f.key.as_str() {
            "fragment_offset" => {
                check_type(PARSER, f, FieldType::Number)?;
                field.fragment_offset = Some(object_field(PARSER, f, Node::int_value)?);
            }
            "matched_fields" => {
                check_type(PARSER, f, FieldType::StringArray)?;
                field.matched_fields = Some(object_field(PARSER, f, strings)?);
            }
            _ => {
                if !common_option(PARSER, f, &mut field.options)? {
                    let mut candidates = COMMON_KEYS.to_vec();
                    candidates.extend(["fragment_offset", "matched_fields"]);
                    return Err(unknown_field(f.key_at, PARSER, &f.key, &candidates));
                }
            }
        }
    }
    check_tags(&field.options, node)?;
    Ok(field)
}

/// The end-of-object checks of `setupParser`.
fn check_tags(options: &HighlightOptions, node: &Node) -> Result<(), StoreError> {
    match (&options.pre_tags, &options.post_tags) {
        (Some(_), None) => Err(parsing(
            node.end,
            "pre_tags are set but post_tags are not set",
        )),
        (Some(pre), Some(post)) if pre.is_empty() || post.is_empty() => {
            Err(parsing(node.end, "pre_tags or post_tags must not be empty"))
        }
        _ => Ok(()),
    }
}

/// Reads one of [`COMMON_KEYS`] into `options`; false when `f` is none of them.
fn common_option(
    parser: &str,
    f: &crate::query::node::Field,
    options: &mut HighlightOptions,
) -> Result<bool, StoreError> {
    let int = |f| -> Result<Option<i32>, StoreError> {
        check_type(parser, f, FieldType::Number)?;
        object_field(parser, f, Node::int_value).map(Some)
    };
    let string = |f| -> Result<String, StoreError> {
        check_type(parser, f, FieldType::String)?;
        object_field(parser, f, Node::text)
    };
    match f.key.as_str() {
        "pre_tags" => {
            check_type(parser, f, FieldType::StringArray)?;
            options.pre_tags = Some(object_field(parser, f, strings)?);
        }
        "post_tags" => {
            check_type(parser, f, FieldType::StringArray)?;
            options.post_tags = Some(object_field(parser, f, strings)?);
        }
        "tags_schema" => {
            let schema = string(f)?;
            let (pre, post): (Vec<&str>, Vec<&str>) = match schema.as_str() {
                "default" => (vec!["<em>"], vec!["</em>"]),
                "styled" => (STYLED_PRE_TAGS.to_vec(), vec!["</em>"]),
                other => {
                    return Err(field_failed(
                        f.value.at,
                        parser,
                        &f.key,
                        illegal(format!("Unknown tag schema [{other}]")),
                    ));
                }
            };
            options.pre_tags = Some(pre.into_iter().map(str::to_string).collect());
            options.post_tags = Some(post.into_iter().map(str::to_string).collect());
        }
        "order" => {
            // `Order.fromString`: anything but `score` (any case) is `none`.
            options.order = Some(if string(f)?.eq_ignore_ascii_case("score") {
                HighlightOrder::Score
            } else {
                HighlightOrder::None
            });
        }
        "encoder" => {
            // The plain highlighter escapes for `html` and for nothing else.
            options.encoder = Some(if string(f)? == "html" {
                HighlightEncoder::Html
            } else {
                HighlightEncoder::Default
            });
        }
        "highlight_filter" => {
            check_type(parser, f, FieldType::Boolean)?;
            options.highlight_filter = Some(object_field(parser, f, Node::bool_value)?);
        }
        "require_field_match" => {
            check_type(parser, f, FieldType::Boolean)?;
            options.require_field_match = Some(object_field(parser, f, Node::bool_value)?);
        }
        "fragment_size" => options.fragment_size = int(f)?,
        "number_of_fragments" => options.number_of_fragments = int(f)?,
        "no_match_size" => options.no_match_size = int(f)?,
        "phrase_limit" => options.phrase_limit = int(f)?,
        "boundary_max_scan" => options.boundary_max_scan = int(f)?,
        "max_analyzed_offset" => {
            let value = int(f)?;
            if value.is_some_and(|v| v <= 0) {
                return Err(field_failed(
                    f.value.at,
                    parser,
                    &f.key,
                    illegal("[max_analyzed_offset] must be a positive integer"),
                ));
            }
            options.max_analyzed_offset = value;
        }
        "boundary_scanner" => {
            let text = string(f)?;
            options.boundary_scanner = Some(match text.to_uppercase().as_str() {
                "CHARS" => BoundaryScanner::Chars,
                "WORD" => BoundaryScanner::Word,
                "SENTENCE" => BoundaryScanner::Sentence,
                other => {
                    return Err(field_failed(
                        f.value.at,
                        parser,
                        &f.key,
                        illegal(format!(
                            "No enum constant org.elasticsearch.search.fetch.subphase.highlight.HighlightBuilder.BoundaryScannerType.{other}"
                        )),
                    ));
                }
            });
        }
        "boundary_chars" => options.boundary_chars = Some(string(f)?),
        "boundary_scanner_locale" => options.boundary_scanner_locale = Some(string(f)?),
        "type" => options.highlighter_type = Some(string(f)?),
        "fragmenter" => options.fragmenter = Some(string(f)?),
        "options" => {
            // Options of custom highlighters: none is installed, so they are read and ignored.
            if !matches!(f.value.kind, Kind::Object(_)) {
                return Err(unsupported_type(f.value.at, parser, &f.key, &f.value));
            }
        }
        "highlight_query" => {
            if !matches!(f.value.kind, Kind::Object(_)) {
                return Err(unsupported_type(f.value.at, parser, &f.key, &f.value));
            }
            options.highlight_query = Some(Box::new(object_field(parser, f, parse_top)?));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// `declareStringArray`: a string or an array of values read as text.
fn strings(node: &Node) -> Result<Vec<String>, StoreError> {
    match &node.kind {
        Kind::Array(items) => items.iter().map(Node::text).collect(),
        _ => Ok(vec![node.text()?]),
    }
}

#[cfg(test)]
#[path = "highlight_tests.rs"]
mod tests;
