//! `_msearch`: the NDJSON body framed as `MultiSearchRequest.readMultiLineFormat` frames it
//! (header line, body line, each ended by a newline, the last one included), header keys
//! (`index`, `search_type`, `preference`, `routing`, `request_cache`, indices options, ...)
//! read as it reads them, each body parsed as a `_search` body.

use crate::StoreError;
use crate::query::SearchRequest;
use crate::query::node::{Kind, Loc, Node, illegal, parsing, x_content};
use crate::query::search_request::{
    IndicesOptions, SearchBody, SearchType, indices_options, node_boolean, param, param_bool,
    param_int, parse_search,
};
use crate::query::source_filter::split_commas;

/// One search of an `_msearch`, with its header.
#[derive(Debug, Clone, PartialEq)]
pub struct MsearchItem {
    /// The header line.
    pub header: MsearchHeader,
    /// The search (URL-level `rest_total_hits_as_int` applied).
    pub request: SearchRequest,
}

/// An `_msearch` header line (an empty line or `{}` keeps the URL's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct MsearchHeader {
    /// `index`/`indices`: the targets, `None` for the URL's.
    pub indices: Option<Vec<String>>,
    /// `search_type`.
    pub search_type: SearchType,
    /// `preference`.
    pub preference: Option<String>,
    /// `routing`.
    pub routing: Option<String>,
    /// `request_cache`.
    pub request_cache: Option<bool>,
    /// `allow_partial_search_results`.
    pub allow_partial_search_results: Option<bool>,
    /// `ccs_minimize_roundtrips`.
    pub ccs_minimize_roundtrips: Option<bool>,
    /// `ignore_unavailable`, `allow_no_indices`, `expand_wildcards`.
    pub indices_options: IndicesOptions,
}

/// An `_msearch` request.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMsearch {
    /// The searches, in order.
    pub items: Vec<MsearchItem>,
    /// `max_concurrent_searches`.
    pub max_concurrent_searches: Option<u32>,
    /// `rest_total_hits_as_int`.
    pub rest_total_hits_as_int: bool,
    /// `typed_keys`.
    pub typed_keys: bool,
}

/// Parses an `_msearch` body (`application/x-ndjson`) and its URL parameters.
pub fn parse_msearch(
    body: &[u8],
    params: &[(String, String)],
) -> Result<ParsedMsearch, StoreError> {
    let max_concurrent_searches = match param_int(params, "max_concurrent_searches")? {
        Some(n) if n < 1 => return Err(illegal("maxConcurrentSearches must be positive")),
        n => n.map(|n| n as u32),
    };
    let defaults = MsearchHeader {
        indices: None,
        search_type: match param(params, "search_type") {
            Some(t) => SearchType::parse(t)?,
            None => SearchType::default(),
        },
        preference: None,
        routing: param(params, "routing").map(str::to_string),
        request_cache: None,
        allow_partial_search_results: None,
        ccs_minimize_roundtrips: param_bool(params, "ccs_minimize_roundtrips")?,
        indices_options: indices_options(
            param(params, "expand_wildcards"),
            param(params, "ignore_unavailable"),
            param(params, "allow_no_indices"),
            IndicesOptions::STRICT_EXPAND_OPEN,
        )?,
    };
    // Each body is read as a `_search` body with the URL's `rest_total_hits_as_int` and
    // `typed_keys`.
    let body_params: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k == "rest_total_hits_as_int" || k == "typed_keys")
        .cloned()
        .collect();
    let mut items = Vec::new();
    let mut from = 0;
    while let Some(header_end) = next_marker(body, from)? {
        let header = parse_header(&body[from..header_end], &defaults)?;
        from = header_end + 1;
        let Some(body_end) = next_marker(body, from)? else {
            break;
        };
        let line = &body[from..body_end];
        if line.iter().all(u8::is_ascii_whitespace) {
            // An empty body line is an empty body, which a search refuses.
            return Err(parsing(
                Loc::UNKNOWN,
                "Expected [START_OBJECT] but found [null]",
            ));
        }
        let request = parse_search("/_msearch", SearchBody::Bytes(line), &body_params)?.request;
        items.push(MsearchItem { header, request });
        from = body_end + 1;
    }
    if items.is_empty() {
        return Err(StoreError::Validation(vec![
            "no requests added".to_string(),
        ]));
    }
    Ok(ParsedMsearch {
        items,
        max_concurrent_searches,
        rest_total_hits_as_int: param_bool(params, "rest_total_hits_as_int")?.unwrap_or(false),
        typed_keys: param_bool(params, "typed_keys")?.unwrap_or(false),
    })
}

/// `findNextMarker`: the next newline, or the end when nothing is left; text after the last
/// newline is refused.
fn next_marker(body: &[u8], from: usize) -> Result<Option<usize>, StoreError> {
    match body
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
    {
        Some(i) => Ok(Some(from + i)),
        None if from >= body.len() => Ok(None),
        None => Err(illegal(
            "The msearch request must be terminated by a newline [\n]",
        )),
    }
}

fn parse_header(line: &[u8], defaults: &MsearchHeader) -> Result<MsearchHeader, StoreError> {
    let mut header = defaults.clone();
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(header);
    }
    let node = Node::from_slice(line)?;
    let Some(fields) = node.as_object() else {
        return Err(x_content(
            node.at,
            format!(
                "Failed to parse object: expecting token of type [START_OBJECT] but found [{}]",
                node.token()
            ),
        ));
    };
    let mut expand_wildcards = None;
    let mut ignore_unavailable = None;
    let mut allow_no_indices = None;
    // `nodeStringValue`: the text of a value, whatever its type.
    let text = |v: &Node| -> String {
        match &v.kind {
            Kind::String(s) => s.clone(),
            _ => v.to_value().to_string(),
        }
    };
    let boolean = |v: &Node, name: &str| -> Result<bool, StoreError> {
        match &v.kind {
            Kind::Bool(b) => Ok(*b),
            _ => crate::query::node::parse_boolean(&text(v))
                .map_err(|_| illegal(format!("Could not convert [{name}] to boolean"))),
        }
    };
    for field in fields {
        let v = &field.value;
        match field.key.as_str() {
            "index" | "indices" => {
                header.indices = Some(match &v.kind {
                    Kind::Array(items) => items.iter().map(text).collect(),
                    _ => split_commas(&text(v)),
                });
            }
            "search_type" | "searchType" => header.search_type = SearchType::parse(&text(v))?,
            "ccs_minimize_roundtrips" | "ccsMinimizeRoundtrips" => {
                header.ccs_minimize_roundtrips = Some(boolean(v, &field.key)?);
            }
            "request_cache" | "requestCache" => {
                header.request_cache = Some(boolean(v, &field.key)?);
            }
            "preference" => header.preference = (!v.is_null()).then(|| text(v)),
            "routing" => header.routing = (!v.is_null()).then(|| text(v)),
            "allow_partial_search_results" => {
                header.allow_partial_search_results = Some(boolean(v, &field.key)?);
            }
            "expand_wildcards" | "expandWildcards" => {
                expand_wildcards = Some(match &v.kind {
                    Kind::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
                    _ => text(v),
                });
            }
            "ignore_unavailable" | "ignoreUnavailable" => ignore_unavailable = Some(text(v)),
            "allow_no_indices" | "allowNoIndices" => allow_no_indices = Some(text(v)),
            "ignore_throttled" | "ignoreThrottled" => {
                node_boolean(&text(v), "ignore_throttled", false)?;
            }
            other => {
                return Err(illegal(format!(
                    "key [{other}] is not supported in the metadata section"
                )));
            }
        }
    }
    header.indices_options = indices_options(
        expand_wildcards.as_deref(),
        ignore_unavailable.as_deref(),
        allow_no_indices.as_deref(),
        defaults.indices_options,
    )?;
    Ok(header)
}

#[cfg(test)]
#[path = "msearch_tests.rs"]
mod tests;
