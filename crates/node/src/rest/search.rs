//! `_search` and `_count` over the indices the gate expanded the request's expression to:
//! aliases and data streams become their concrete indices, each index's document-level
//! security becomes a filter (per index, through the `_index` field), field-level security
//! trims every hit's `_source`, `fields` and `highlight`, and the response has Elasticsearch's
//! shape.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Uri;
use ironstack_security::rbac::IndexAccess;
use ironstack_store::api::{FieldVisibility, Hit, SearchResult};
use ironstack_store::query::{
    BoolQuery, MinimumShouldMatch, Query, SEARCH_PARAMETERS, Scalar, SearchBody, SearchRequest,
    TrackTotalHits, parse_count, parse_search,
};
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::dls::{filter_source_fields, role_filter};
use super::envelope::RenderParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::scroll;
use crate::state::AppState;

/// The concrete indices a granted read covers, each with what the caller may read of it.
pub(crate) fn read_targets(
    state: &AppState,
    granted: &Granted,
) -> Result<Vec<(String, IndexAccess)>, ApiError> {
    let store = documents(state)?;
    let space = store.space();
    let concrete = space.concrete_indices(&existing_names(granted, &space)?);
    let mut out = Vec::with_capacity(concrete.len());
    for index in concrete {
        let access = match &state.gate {
            Some(gate) => gate.read_access(granted, &space, &index)?,
            None => IndexAccess::unrestricted(),
        };
        out.push((index, access));
    }
    Ok(out)
}

/// The names a granted request reached that exist; a missing explicit name is Elasticsearch's
/// `index_not_found_exception` unless the request ignores unavailable indices.
pub(crate) fn existing_names(
    granted: &Granted,
    space: &ironstack_types::index_space::IndexSpace,
) -> Result<Vec<String>, ApiError> {
    let ignore_unavailable = granted
        .request()
        .expression
        .as_ref()
        .is_some_and(|e| e.options.ignore_unavailable);
    let mut names = Vec::with_capacity(granted.indices().len());
    for name in granted.indices() {
        if space.get(name).is_some() {
            names.push(name.clone());
        } else if !ignore_unavailable {
            return Err(ironstack_types::index_space::index_not_found(name).into());
        }
    }
    Ok(names)
}

/// `query` restricted to what each index's role queries let through: unchanged when no index
/// is restricted.
pub(crate) fn with_document_security(
    query: Query,
    targets: &[(String, IndexAccess)],
) -> Result<Query, ApiError> {
    if targets.iter().all(|(_, a)| a.documents.is_unrestricted()) {
        return Ok(query);
    }
    let mut per_index = Vec::with_capacity(targets.len());
    for (index, access) in targets {
        let on_index = Query::Term {
            field: "_index".into(),
            value: Scalar::String(index.clone()),
            case_insensitive: false,
            boost: 1.0,
        };
        let mut filter = vec![on_index];
        if let Some(role) = role_filter(access)? {
            filter.push(role);
        }
        per_index.push(Query::Bool(BoolQuery {
            filter,
            boost: 1.0,
            ..BoolQuery::default()
        }));
    }
    Ok(Query::Bool(BoolQuery {
        must: vec![query],
        filter: vec![Query::Bool(BoolQuery {
            should: per_index,
            minimum_should_match: Some(MinimumShouldMatch("1".into())),
            boost: 1.0,
            ..BoolQuery::default()
        })],
        boost: 1.0,
        ..BoolQuery::default()
    }))
}

/// Field-level security for the store: each index's field rules.
pub(crate) struct Visibility(pub(crate) BTreeMap<String, IndexAccess>);

impl FieldVisibility for Visibility {
    fn visible(&self, index: &str, field: &str) -> bool {
        self.0.get(index).is_none_or(|a| a.fields.allows(field))
    }
}

pub(crate) fn access_by_index<'a>(
    targets: impl IntoIterator<Item = &'a (String, IndexAccess)>,
) -> BTreeMap<String, IndexAccess> {
    targets
        .into_iter()
        .filter(|(_, a)| !a.fields.is_unrestricted())
        .map(|(i, a)| (i.clone(), a.clone()))
        .collect()
}

/// The request body as the query parser reads it (bytes, so errors carry positions).
pub(crate) fn search_body(body: &Bytes) -> SearchBody<'_> {
    if body.is_empty() {
        SearchBody::None
    } else {
        SearchBody::Bytes(body)
    }
}

/// `GET|POST [/<index>]/_search`.
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let parsed = parse_search(uri.path(), search_body(&body), &params.query)?;
    params.refuse_unknown(uri.path(), SEARCH_PARAMETERS)?;
    if let Some(scroll) = params.param("scroll") {
        let body = scroll::start_scroll(
            &state,
            &granted,
            parsed.request,
            scroll,
            parsed.params.rest_total_hits_as_int,
        )
        .await?;
        return Ok(EsJson::ok(body));
    }
    let body = run_search(
        &state,
        &granted,
        parsed.request,
        parsed.params.rest_total_hits_as_int,
    )
    .await?;
    Ok(EsJson::ok(body))
}

/// Runs a parsed search over what `granted` reaches and renders Elasticsearch's response
/// body: the one execution of `_search` and of each `_msearch` search.
pub(crate) async fn run_search(
    state: &Arc<AppState>,
    granted: &Granted,
    request: SearchRequest,
    total_hits_as_int: bool,
) -> Result<Value, ApiError> {
    if request.point_in_time.is_some() {
        return scroll::search_point_in_time(state, granted, request, total_hits_as_int).await;
    }
    let started = Instant::now();
    let targets = read_targets(state, granted)?;
    let mut request = request;
    request.query = with_document_security(request.query, &targets)?;
    let indices: Vec<String> = targets.iter().map(|(i, _)| i.clone()).collect();
    let store = documents(state)?.clone();
    let result = if indices.is_empty() {
        SearchResult {
            total: 0,
            total_exact: true,
            max_score: None,
            hits: Vec::new(),
            aggregations: None,
            timed_out: false,
            terminated_early: false,
        }
    } else {
        let request = request.clone();
        let visibility = Visibility(access_by_index(&targets));
        blocking(move || store.backend().search(&indices, &request, &visibility)).await??
    };
    let outcome = SearchOutcome {
        result,
        access: targets.into_iter().collect(),
        started,
    };
    Ok(Value::Object(render_search(
        outcome,
        &request,
        total_hits_as_int,
    )))
}

/// What a search found, with what the caller may read of each index it searched.
pub(crate) struct SearchOutcome {
    pub(crate) result: SearchResult,
    pub(crate) access: BTreeMap<String, IndexAccess>,
    pub(crate) started: Instant,
}

/// Elasticsearch's search response body (`took`, `timed_out`, `_shards`, `hits`,
/// `aggregations`), each hit trimmed by field-level security.
pub(crate) fn render_search(
    outcome: SearchOutcome,
    request: &SearchRequest,
    total_hits_as_int: bool,
) -> Map<String, Value> {
    let SearchOutcome {
        result,
        access,
        started,
    } = outcome;
    let mut body = Map::new();
    body.insert("took".into(), json!(started.elapsed().as_millis() as u64));
    body.insert("timed_out".into(), json!(result.timed_out));
    if result.terminated_early {
        body.insert("terminated_early".into(), json!(true));
    }
    let shards = access.len();
    body.insert(
        "_shards".into(),
        json!({"total": shards, "successful": shards, "skipped": 0, "failed": 0}),
    );
    let mut hits = Map::new();
    match request.track_total_hits {
        TrackTotalHits::Off => {}
        _ if total_hits_as_int => {
            hits.insert("total".into(), json!(result.total));
        }
        _ => {
            hits.insert(
                "total".into(),
                json!({"value": result.total, "relation": if result.total_exact { "eq" } else { "gte" }}),
            );
        }
    }
    hits.insert("max_score".into(), json!(result.max_score));
    hits.insert(
        "hits".into(),
        Value::Array(
            result
                .hits
                .iter()
                .map(|hit| hit_json(hit, access.get(&hit.index)))
                .collect(),
        ),
    );
    body.insert("hits".into(), Value::Object(hits));
    if let Some(aggregations) = result.aggregations {
        body.insert("aggregations".into(), aggregations);
    }
    body
}

/// One hit as `SearchHit.toXContent` renders it, trimmed to the fields the caller may read.
fn hit_json(hit: &Hit, access: Option<&IndexAccess>) -> Value {
    let mut h = Map::new();
    h.insert("_index".into(), json!(hit.index));
    h.insert("_id".into(), json!(hit.id));
    if let Some(version) = hit.version {
        h.insert("_version".into(), json!(version));
    }
    if let Some((seq_no, term)) = hit.seq_no_primary_term {
        h.insert("_seq_no".into(), json!(seq_no));
        h.insert("_primary_term".into(), json!(term));
    }
    h.insert("_score".into(), json!(hit.score));
    if !hit.ignored.is_empty() {
        h.insert("_ignored".into(), json!(hit.ignored));
    }
    if let Some(source) = &hit.source {
        let source = match access {
            Some(a) => filter_source_fields(source, &a.fields),
            None => source.clone(),
        };
        h.insert("_source".into(), source);
    }
    if let Some(fields) = &hit.fields {
        let kept: Map<String, Value> = fields
            .iter()
            .filter(|(name, _)| access.is_none_or(|a| a.fields.allows(name)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !kept.is_empty() {
            h.insert("fields".into(), Value::Object(kept));
        }
    }
    if let Some(highlight) = &hit.highlight {
        // The store highlights only what the caller may read; checked again as `fields` is.
        let kept: Map<String, Value> = highlight
            .iter()
            .filter(|(name, _)| access.is_none_or(|a| a.fields.allows(name)))
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        if !kept.is_empty() {
            h.insert("highlight".into(), Value::Object(kept));
        }
    }
    if let Some(sort) = &hit.sort {
        h.insert("sort".into(), json!(sort));
    }
    Value::Object(h)
}

/// `GET|POST [/<index>]/_count`.
pub(crate) async fn count(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let request = parse_count(uri.path(), search_body(&body), &params.query)?;
    let (count, shards) = count_matches(&state, &granted, request.query).await?;
    Ok(EsJson::ok(json!({
        "count": count,
        "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0}
    })))
}

/// The documents matching `query` over what `granted` reaches, as the caller may see them,
/// and the shards counted (`_count`, `_cat/count`).
pub(crate) async fn count_matches(
    state: &Arc<AppState>,
    granted: &Granted,
    query: Query,
) -> Result<(u64, usize), ApiError> {
    let targets = read_targets(state, granted)?;
    let query = with_document_security(query, &targets)?;
    let indices: Vec<String> = targets.iter().map(|(i, _)| i.clone()).collect();
    let shards = indices.len();
    let store = documents(state)?.clone();
    let count = if indices.is_empty() {
        0
    } else {
        let visibility = Visibility(access_by_index(&targets));
        blocking(move || store.backend().count(&indices, &query, &visibility)).await??
    };
    Ok((count, shards))
}
