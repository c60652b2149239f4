//! The full-text queries: `match`, `match_phrase`, `match_phrase_prefix`, `match_bool_prefix`
//! and `multi_match`, read as Elasticsearch's builders read them. `multi_match` is lowered as
//! Elasticsearch's `MultiMatchQueryParser` builds it: one `match` (or phrase) per field with
//! its `^boost`, combined by `dis_max` with the type's `tie_breaker` (0 for `best_fields`, 1
//! for `most_fields`, which sums the fields' scores).

use std::collections::BTreeMap;

use crate::StoreError;
use crate::query::node::{Kind, Node, illegal, parsing};
use crate::query::parse::{check_boost, field_and_boost, multiple_fields, with_boost};
use crate::query::{
    BoolQuery, Fuzziness, MatchPhraseQuery, MatchQuery, MinimumShouldMatch, Operator, Query,
    Scalar, ZeroTermsQuery,
};

/// The options a `match` carries, shared by the queries lowered to `match`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MatchOptions {
    pub(crate) operator: Operator,
    pub(crate) minimum_should_match: Option<MinimumShouldMatch>,
    pub(crate) fuzziness: Option<Fuzziness>,
    pub(crate) prefix_length: u32,
    pub(crate) max_expansions: u32,
    pub(crate) fuzzy_transpositions: bool,
    pub(crate) lenient: bool,
    pub(crate) zero_terms_query: ZeroTermsQuery,
    pub(crate) analyzer: Option<String>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            operator: Operator::Or,
            minimum_should_match: None,
            fuzziness: None,
            prefix_length: 0,
            max_expansions: 50,
            fuzzy_transpositions: true,
            lenient: false,
            zero_terms_query: ZeroTermsQuery::None,
            analyzer: None,
        }
    }
}

/// A `match` on `field`.
pub(crate) fn match_query(field: &str, query: Scalar, opts: &MatchOptions, boost: f32) -> Query {
    Query::Match(MatchQuery {
        field: field.to_string(),
        query,
        operator: opts.operator,
        minimum_should_match: opts.minimum_should_match.clone(),
        fuzziness: opts.fuzziness,
        prefix_length: opts.prefix_length,
        max_expansions: opts.max_expansions,
        fuzzy_transpositions: opts.fuzzy_transpositions,
        lenient: opts.lenient,
        zero_terms_query: opts.zero_terms_query,
        analyzer: opts.analyzer.clone(),
        boost,
    })
}

/// A `match_phrase` (or, with `prefix`, `match_phrase_prefix`) on `field`.
pub(crate) fn phrase_query(
    field: &str,
    text: String,
    slop: u32,
    prefix: Option<u32>,
    opts: &MatchOptions,
    boost: f32,
) -> Query {
    Query::MatchPhrase(MatchPhraseQuery {
        field: field.to_string(),
        query: text,
        slop,
        prefix,
        zero_terms_query: opts.zero_terms_query,
        analyzer: opts.analyzer.clone(),
        boost,
    })
}

/// The text of a query value (`objectText`), for queries that take text only.
pub(crate) fn scalar_text(value: &Scalar) -> String {
    match value {
        Scalar::String(s) => s.clone(),
        Scalar::Long(i) => i.to_string(),
        Scalar::Double(f) => {
            serde_json::Number::from_f64(*f).map_or_else(|| f.to_string(), |n| n.to_string())
        }
        Scalar::Bool(b) => b.to_string(),
    }
}

/// `Operator.fromString`: Java's `valueOf` over the upper-cased text.
pub(crate) fn operator_from(text: &str) -> Result<Operator, StoreError> {
    match text.to_uppercase().as_str() {
        "OR" => Ok(Operator::Or),
        "AND" => Ok(Operator::And),
        other => Err(illegal(format!(
            "No enum constant org.elasticsearch.index.query.Operator.{other}"
        ))),
    }
}

/// `zero_terms_query`: `none` or `all`, any case.
fn zero_terms_from(node: &Node) -> Result<ZeroTermsQuery, StoreError> {
    let text = node.text()?;
    if text.eq_ignore_ascii_case("none") {
        Ok(ZeroTermsQuery::None)
    } else if text.eq_ignore_ascii_case("all") {
        Ok(ZeroTermsQuery::All)
    } else {
        Err(parsing(
            node.at,
            format!("Unsupported zero_terms_query value [{text}]"),
        ))
    }
}

/// `Fuzziness.parse`: a string or number token.
pub(crate) fn fuzziness_from(node: &Node) -> Result<Fuzziness, StoreError> {
    match node.kind {
        Kind::String(_) | Kind::Number(_) => Fuzziness::parse(&node.text()?),
        _ => Err(illegal(format!(
            "Can't parse fuzziness on token: [{}]",
            node.token()
        ))),
    }
}

/// `minimum_should_match` as text (numbers included), checked.
pub(crate) fn msm_from(node: &Node) -> Result<Option<MinimumShouldMatch>, StoreError> {
    node.text_or_null()?
        .map(MinimumShouldMatch::parse)
        .transpose()
}

fn non_negative(value: i32, message: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| illegal(message))
}

/// The single-field shape every `match*` query shares: `{"f": "text"}` or `{"f": {"query":
/// .., options}}`; `option` reads one option and says whether it knew it.
fn single_field(
    name: &str,
    body: &Node,
    mut option: impl FnMut(&str, &Node) -> Result<bool, StoreError>,
) -> Result<(Option<String>, Option<Scalar>), StoreError> {
    let mut field_name: Option<String> = None;
    let mut value = None;
    for field in body.as_object().unwrap_or_default() {
        let v = &field.value;
        match &v.kind {
            Kind::Object(inner) => {
                multiple_fields(name, v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                for opt in inner {
                    let o = &opt.value;
                    if !o.is_value() {
                        return Err(parsing(
                            o.at,
                            format!("[{name}] unknown token [{}] after [{}]", o.token(), opt.key),
                        ));
                    }
                    match opt.key.as_str() {
                        "query" => value = o.scalar()?,
                        "_name" => {
                            o.text()?;
                        }
                        key => {
                            if !option(key, o)? {
                                return Err(parsing(
                                    o.at,
                                    format!("[{name}] query does not support [{key}]"),
                                ));
                            }
                        }
                    }
                }
            }
            _ => {
                multiple_fields(name, v.at, field_name.as_deref(), &field.key)?;
                field_name = Some(field.key.clone());
                value = v.scalar()?;
            }
        }
    }
    Ok((field_name, value))
}

pub(crate) fn parse_match(body: &Node) -> Result<Query, StoreError> {
    let mut opts = MatchOptions::default();
    let mut boost = 1.0;
    let mut prefix_length = 0;
    let mut max_expansions = 50;
    let (field, value) = single_field("match", body, |key, o| {
        match key {
            "analyzer" => opts.analyzer = Some(o.text()?),
            "boost" => boost = o.float_value()?,
            "fuzziness" => opts.fuzziness = Some(fuzziness_from(o)?),
            "prefix_length" => prefix_length = o.int_value()?,
            "max_expansions" => max_expansions = o.int_value()?,
            "operator" => opts.operator = operator_from(&o.text()?)?,
            "minimum_should_match" => opts.minimum_should_match = msm_from(o)?,
            "fuzzy_rewrite" => {
                o.text_or_null()?;
            }
            "fuzzy_transpositions" => opts.fuzzy_transpositions = o.bool_value()?,
            "lenient" => opts.lenient = o.bool_value()?,
            "zero_terms_query" => opts.zero_terms_query = zero_terms_from(o)?,
            "auto_generate_synonyms_phrase_query" => {
                o.bool_value()?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let Some(value) = value else {
        return Err(parsing(body.end, "No text specified for text query"));
    };
    let field = field.ok_or_else(|| illegal("[match] requires fieldName"))?;
    opts.prefix_length = non_negative(
        prefix_length,
        "[match] requires prefix length to be non-negative.",
    )?;
    if max_expansions <= 0 {
        return Err(illegal("[match] requires maxExpansions to be positive."));
    }
    opts.max_expansions = max_expansions as u32;
    let boost = check_boost(boost, "match", body)?;
    Ok(match_query(&field, value, &opts, boost))
}

/// `match_phrase` and (`prefix`) `match_phrase_prefix`.
pub(crate) fn parse_match_phrase(body: &Node, prefix: bool) -> Result<Query, StoreError> {
    let name = if prefix {
        "match_phrase_prefix"
    } else {
        "match_phrase"
    };
    let mut opts = MatchOptions::default();
    let mut boost = 1.0;
    let mut slop = 0;
    let mut max_expansions = 50;
    let (field, value) = single_field(name, body, |key, o| {
        match key {
            "analyzer" => opts.analyzer = Some(o.text()?),
            "boost" => boost = o.float_value()?,
            "slop" => slop = o.int_value()?,
            "max_expansions" if prefix => max_expansions = o.int_value()?,
            "zero_terms_query" => opts.zero_terms_query = zero_terms_from(o)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let field = field
        .filter(|f| !f.is_empty())
        .ok_or_else(|| illegal(format!("[{name}] requires fieldName")))?;
    let value = value.ok_or_else(|| illegal(format!("[{name}] requires query value")))?;
    let slop = non_negative(slop, "No negative slop allowed.")?;
    let max_expansions = non_negative(max_expansions, "No negative maxExpansions allowed.")?;
    let boost = check_boost(boost, name, body)?;
    Ok(phrase_query(
        &field,
        scalar_text(&value),
        slop,
        prefix.then_some(max_expansions),
        &opts,
        boost,
    ))
}

/// `match_bool_prefix` on one field: the words of `text` as `match` clauses, the last one as
/// a prefix, combined by `operator`. Elasticsearch splits with the field's analyzer; the
/// words here are split on whitespace and each is still analysed by the engine.
pub(crate) fn bool_prefix(field: &str, text: &str, opts: &MatchOptions, boost: f32) -> Query {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some((last, rest)) = words.split_last() else {
        return match opts.zero_terms_query {
            ZeroTermsQuery::All => Query::MatchAll { boost },
            ZeroTermsQuery::None => Query::MatchNone,
        };
    };
    let term_opts = MatchOptions {
        operator: Operator::Or,
        minimum_should_match: None,
        ..opts.clone()
    };
    let mut clauses: Vec<Query> = rest
        .iter()
        .map(|w| match_query(field, Scalar::String((*w).to_string()), &term_opts, 1.0))
        .collect();
    clauses.push(phrase_query(
        field,
        (*last).to_string(),
        0,
        Some(opts.max_expansions),
        &term_opts,
        1.0,
    ));
    let mut bool_query = BoolQuery {
        boost,
        minimum_should_match: opts.minimum_should_match.clone(),
        ..BoolQuery::default()
    };
    match opts.operator {
        Operator::And => bool_query.must = clauses,
        Operator::Or => bool_query.should = clauses,
    }
    Query::Bool(bool_query)
}

pub(crate) fn parse_match_bool_prefix(body: &Node) -> Result<Query, StoreError> {
    let mut opts = MatchOptions::default();
    let mut boost = 1.0;
    let mut prefix_length = 0;
    let mut max_expansions = 50;
    let (field, value) = single_field("match_bool_prefix", body, |key, o| {
        match key {
            "analyzer" => opts.analyzer = Some(o.text()?),
            "boost" => boost = o.float_value()?,
            "operator" => opts.operator = operator_from(&o.text()?)?,
            "minimum_should_match" => opts.minimum_should_match = msm_from(o)?,
            "fuzziness" => opts.fuzziness = Some(fuzziness_from(o)?),
            "prefix_length" => prefix_length = o.int_value()?,
            "max_expansions" => max_expansions = o.int_value()?,
            "fuzzy_transpositions" => opts.fuzzy_transpositions = o.bool_value()?,
            "fuzzy_rewrite" => {
                o.text_or_null()?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let field = field
        .filter(|f| !f.is_empty())
        .ok_or_else(|| illegal("[match_bool_prefix] requires fieldName"))?;
    let value = value.ok_or_else(|| illegal("[match_bool_prefix] requires query value"))?;
    opts.prefix_length = non_negative(prefix_length, "prefix_length cannot be negative")?;
    if max_expansions <= 0 {
        return Err(illegal("max_expansions must be greater than zero"));
    }
    opts.max_expansions = max_expansions as u32;
    let boost = check_boost(boost, "match_bool_prefix", body)?;
    Ok(bool_prefix(&field, &scalar_text(&value), &opts, boost))
}

/// `multi_match`'s `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MultiMatchType {
    BestFields,
    MostFields,
    CrossFields,
    Phrase,
    PhrasePrefix,
    BoolPrefix,
}

impl MultiMatchType {
    /// `Type.parse`: the names (and `boolean`, the deprecated `best_fields`).
    pub(crate) fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "best_fields" | "boolean" => Self::BestFields,
            "most_fields" => Self::MostFields,
            "cross_fields" => Self::CrossFields,
            "phrase" => Self::Phrase,
            "phrase_prefix" => Self::PhrasePrefix,
            "bool_prefix" => Self::BoolPrefix,
            other => {
                return Err(StoreError::Parse(format!(
                    "failed to parse [multi_match] query type [{other}]. unknown type."
                )));
            }
        })
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::BestFields => "best_fields",
            Self::MostFields => "most_fields",
            Self::CrossFields => "cross_fields",
            Self::Phrase => "phrase",
            Self::PhrasePrefix => "phrase_prefix",
            Self::BoolPrefix => "bool_prefix",
        }
    }

    /// The default `tie_breaker`: 1 (a sum) for the types that add the fields' scores.
    pub(crate) fn tie_breaker(self) -> f32 {
        match self {
            Self::MostFields | Self::BoolPrefix => 1.0,
            _ => 0.0,
        }
    }
}

/// A multi-field query ready to lower: what `multi_match`, `query_string` with several fields
/// and `simple_query_string` share.
pub(crate) struct MultiFieldQuery<'a> {
    pub(crate) fields: &'a BTreeMap<String, f32>,
    pub(crate) kind: MultiMatchType,
    pub(crate) opts: &'a MatchOptions,
    pub(crate) slop: u32,
    pub(crate) tie_breaker: Option<f32>,
}

impl MultiFieldQuery<'_> {
    /// The query for `value` over every field, boosted by `boost`.
    pub(crate) fn lower(&self, value: &Scalar, boost: f32) -> Query {
        let tie_breaker = self.tie_breaker.unwrap_or(self.kind.tie_breaker());
        if self.kind == MultiMatchType::CrossFields {
            return self.cross_fields(value, tie_breaker, boost);
        }
        let mut queries: Vec<Query> = self
            .fields
            .iter()
            .map(|(field, field_boost)| self.per_field(field, value, *field_boost))
            .collect();
        if queries.len() == 1 {
            let only = queries.remove(0);
            return with_boost(only, boost);
        }
        Query::DisMax {
            queries,
            tie_breaker,
            boost,
        }
    }

    fn per_field(&self, field: &str, value: &Scalar, boost: f32) -> Query {
        match self.kind {
            MultiMatchType::BestFields | MultiMatchType::MostFields => {
                match_query(field, value.clone(), self.opts, boost)
            }
            MultiMatchType::Phrase => {
                phrase_query(field, scalar_text(value), self.slop, None, self.opts, boost)
            }
            MultiMatchType::PhrasePrefix => phrase_query(
                field,
                scalar_text(value),
                self.slop,
                Some(self.opts.max_expansions),
                self.opts,
                boost,
            ),
            MultiMatchType::BoolPrefix => bool_prefix(field, &scalar_text(value), self.opts, boost),
            MultiMatchType::CrossFields => match_query(field, value.clone(), self.opts, boost),
        }
    }

    /// `cross_fields` treats the fields as one: each word must be found in some field (with
    /// `and`), scored by its best field. Elasticsearch blends the words' frequencies across
    /// fields; this keeps the matching and the per-word best-field scoring.
    fn cross_fields(&self, value: &Scalar, tie_breaker: f32, boost: f32) -> Query {
        let text = scalar_text(value);
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return match self.opts.zero_terms_query {
                ZeroTermsQuery::All => Query::MatchAll { boost },
                ZeroTermsQuery::None => Query::MatchNone,
            };
        }
        let word_opts = MatchOptions {
            operator: Operator::Or,
            minimum_should_match: None,
            ..self.opts.clone()
        };
        let mut clauses: Vec<Query> = words
            .iter()
            .map(|word| {
                let mut per_field: Vec<Query> = self
                    .fields
                    .iter()
                    .map(|(f, b)| {
                        match_query(f, Scalar::String((*word).to_string()), &word_opts, *b)
                    })
                    .collect();
                if per_field.len() == 1 {
                    per_field.remove(0)
                } else {
                    Query::DisMax {
                        queries: per_field,
                        tie_breaker,
                        boost: 1.0,
                    }
                }
            })
            .collect();
        if clauses.len() == 1 && self.opts.minimum_should_match.is_none() {
            return with_boost(clauses.remove(0), boost);
        }
        let mut bool_query = BoolQuery {
            boost,
            minimum_should_match: self.opts.minimum_should_match.clone(),
            ..BoolQuery::default()
        };
        match self.opts.operator {
            Operator::And => bool_query.must = clauses,
            Operator::Or => bool_query.should = clauses,
        }
        Query::Bool(bool_query)
    }
}

/// Whether a field list names every field (`*`), which makes the query lenient unless told.
pub(crate) fn has_all_fields(fields: &BTreeMap<String, f32>) -> bool {
    fields.keys().any(|f| f == "*")
}

pub(crate) fn parse_multi_match(body: &Node) -> Result<Query, StoreError> {
    let mut value = None;
    let mut fields: BTreeMap<String, f32> = BTreeMap::new();
    let mut kind = MultiMatchType::BestFields;
    let mut opts = MatchOptions::default();
    let mut slop = 0;
    let mut prefix_length = 0;
    let mut max_expansions = 50;
    let mut tie_breaker = None;
    let mut lenient = None;
    let mut boost = 1.0;
    for field in body.as_object().unwrap_or_default() {
        let o = &field.value;
        let key = field.key.as_str();
        if key == "fields" {
            match &o.kind {
                Kind::Array(items) => {
                    for item in items {
                        let (f, b) = field_and_boost(item)?;
                        fields.insert(f, b);
                    }
                }
                _ if o.is_value() => {
                    let (f, b) = field_and_boost(o)?;
                    fields.insert(f, b);
                }
                _ => {
                    return Err(parsing(
                        o.at,
                        "[multi_match] query does not support [fields]",
                    ));
                }
            }
            continue;
        }
        if !o.is_value() {
            return Err(parsing(
                o.at,
                format!("[multi_match] unknown token [{}] after [{key}]", o.token()),
            ));
        }
        match key {
            "query" => value = o.scalar()?,
            "type" => kind = MultiMatchType::parse(&o.text()?)?,
            "analyzer" => opts.analyzer = Some(o.text()?),
            "boost" => boost = o.float_value()?,
            "slop" => slop = o.int_value()?,
            "fuzziness" => opts.fuzziness = Some(fuzziness_from(o)?),
            "prefix_length" => prefix_length = o.int_value()?,
            "max_expansions" => max_expansions = o.int_value()?,
            "operator" => opts.operator = operator_from(&o.text()?)?,
            "minimum_should_match" => opts.minimum_should_match = msm_from(o)?,
            "fuzzy_rewrite" => {
                o.text_or_null()?;
            }
            "tie_breaker" => tie_breaker = Some(o.float_value()?),
            "lenient" => lenient = Some(o.bool_value()?),
            "zero_terms_query" => opts.zero_terms_query = zero_terms_from(o)?,
            "_name" => {
                o.text()?;
            }
            "auto_generate_synonyms_phrase_query" => {
                o.bool_value()?;
            }
            "fuzzy_transpositions" => opts.fuzzy_transpositions = o.bool_value()?,
            other => {
                return Err(parsing(
                    o.at,
                    format!("[multi_match] query does not support [{other}]"),
                ));
            }
        }
    }
    let Some(value) = value else {
        return Err(parsing(body.end, "No text specified for multi_match query"));
    };
    if opts.fuzziness.is_some()
        && matches!(
            kind,
            MultiMatchType::CrossFields | MultiMatchType::Phrase | MultiMatchType::PhrasePrefix
        )
    {
        return Err(parsing(
            body.end,
            format!("Fuzziness not allowed for type [{}]", kind.name()),
        ));
    }
    if slop != 0 && kind == MultiMatchType::BoolPrefix {
        return Err(parsing(
            body.end,
            format!("[slop] not allowed for type [{}]", kind.name()),
        ));
    }
    for (f, b) in &fields {
        if f.is_empty() {
            return Err(illegal("supplied field is null or empty."));
        }
        check_boost(*b, "multi_match", body)?;
    }
    if max_expansions <= 0 {
        return Err(illegal("Max expansions must be strictly great than zero."));
    }
    opts.max_expansions = max_expansions as u32;
    opts.prefix_length = non_negative(prefix_length, "No negative prefix length allowed.")?;
    let slop = non_negative(slop, "No negative slop allowed.")?;
    let boost = check_boost(boost, "multi_match", body)?;
    if fields.is_empty() {
        // `index.query.default_field`, `*` unless an index says otherwise.
        fields.insert("*".to_string(), 1.0);
    }
    opts.lenient = lenient.unwrap_or(has_all_fields(&fields));
    Ok(MultiFieldQuery {
        fields: &fields,
        kind,
        opts: &opts,
        slop,
        tie_breaker,
    }
    .lower(&value, boost))
}
