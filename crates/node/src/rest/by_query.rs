//! `_delete_by_query` and `_update_by_query` (no scripts) as Elasticsearch's bulk-by-scroll
//! runs them: the request authorized on its indices by its own action, the search it makes
//! authorized as a search (role queries limit what it finds), each delete or re-index
//! authorized as the bulk item it is and conditioned on the `_seq_no` the search saw, so a
//! document changed in between is a version conflict (`conflicts=abort|proceed`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use ironstack_store::StoreError;
use ironstack_store::api::Hit;
use ironstack_store::doc_write::Versioning;
use ironstack_store::query::{
    Missing, SearchBody, SearchRequest, SortBy, SortOrder, SortSpec, SourceFilter, TrackTotalHits,
    parse_search,
};
use ironstack_store::service::{WriteItem, WriteItemKind};
use ironstack_types::action;
use ironstack_types::index_space::IndicesOptions;
use serde_json::{Map, Value, json};

use super::body::json;
use super::context::{blocking, documents};
use super::documents::GateGuard;
use super::envelope::RenderParams;
use super::multi::{authorize_part, on_indices};
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::{Visibility, read_targets, with_document_security};
use crate::state::AppState;

/// Documents read and written per batch (`scroll_size`'s default).
const BATCH: usize = 1000;

/// What the request does to each document it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Delete,
    Update,
}

/// The URL parameters that shape the search (`q` and its options).
const QUERY_PARAMETERS: [&str; 6] = [
    "q",
    "df",
    "default_operator",
    "analyzer",
    "analyze_wildcard",
    "lenient",
];

/// A parsed by-query request.
#[derive(Debug)]
struct ByQuery {
    search: SearchRequest,
    abort_on_conflict: bool,
    max_docs: Option<u64>,
    refresh: bool,
}

fn parse_max_docs(value: &Value) -> Result<u64, ApiError> {
    let n = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse::<i64>().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::illegal_argument(format!("failed to parse [max_docs]: [{value}]")))?;
    u64::try_from(n).map_err(|_| {
        ApiError::illegal_argument(format!(
            "[max_docs] parameter cannot be negative, found [{n}]"
        ))
    })
}

fn parse_conflicts(value: &str) -> Result<bool, ApiError> {
    match value {
        "abort" => Ok(true),
        "proceed" => Ok(false),
        other => Err(ApiError::illegal_argument(format!(
            "conflicts may only be \"proceed\" or \"abort\" but was [{other}]"
        ))),
    }
}

/// Reads the request as `AbstractBulkByQueryRestHandler` does: `max_docs`, `conflicts` (and
/// `script`, refused) taken out of the body, the rest read as a search body with `q`.
fn parse(mode: Mode, path: &str, params: &RenderParams, body: &Bytes) -> Result<ByQuery, ApiError> {
    let mut body = match json(body)? {
        None => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(ApiError::illegal_argument(
                "request body must be a JSON object",
            ));
        }
    };
    if body.contains_key("script") {
        return Err(ApiError::illegal_argument(
            "scripts are not supported: [script] cannot be used in _update_by_query or _delete_by_query",
        ));
    }
    if params.param("wait_for_completion") == Some("false") {
        return Err(ApiError::illegal_argument(
            "wait_for_completion=false is not supported: the request runs to its end",
        ));
    }
    let mut max_docs = body
        .remove("max_docs")
        .map(|v| parse_max_docs(&v))
        .transpose()?;
    if let Some(v) = params.param("max_docs") {
        max_docs = Some(parse_max_docs(&Value::String(v.to_string()))?);
    }
    let mut abort_on_conflict = match body.remove("conflicts") {
        None => true,
        Some(Value::String(s)) => parse_conflicts(&s)?,
        Some(other) => parse_conflicts(&other.to_string())?,
    };
    if let Some(v) = params.param("conflicts") {
        abort_on_conflict = parse_conflicts(v)?;
    }
    let refresh = params.boolean("refresh")?;
    let has_query = body.contains_key("query") || params.param("q").is_some();
    if mode == Mode::Delete && !has_query {
        return Err(ApiError::from(StoreError::Validation(vec![
            "query is missing".to_string(),
        ])));
    }
    let query_params: Vec<(String, String)> = params
        .query
        .iter()
        .filter(|(k, _)| QUERY_PARAMETERS.contains(&k.as_str()))
        .cloned()
        .collect();
    let body = Value::Object(body);
    let search = parse_search(path, SearchBody::Json(&body), &query_params)?.request;
    Ok(ByQuery {
        search,
        abort_on_conflict,
        max_docs,
        refresh,
    })
}

/// What one run did, as `BulkByScrollTask.Status` counts it.
#[derive(Debug, Default)]
struct Tally {
    total: u64,
    done: u64,
    batches: u64,
    version_conflicts: u64,
    failures: Vec<Value>,
}

/// The search of one batch: the next `size` matches of `index` in index order after `after`,
/// with what the writes are conditioned on.
fn batch_search(base: &SearchRequest, size: usize, after: Option<Vec<Value>>) -> SearchRequest {
    let mut request = base.clone();
    request.from = 0;
    request.size = size;
    request.sort = vec![SortSpec {
        by: SortBy::Doc,
        order: SortOrder::Asc,
        missing: Missing::Last,
        unmapped_type: None,
        mode: None,
        format: None,
    }];
    request.search_after = after;
    request.version = true;
    request.seq_no_primary_term = true;
    request.source = SourceFilter::None;
    request.aggregations = None;
    request.aggs = None;
    request.highlight = None;
    request.post_filter = None;
    request.track_total_hits = TrackTotalHits::Off;
    request
}

/// The write for one found document: a delete, or the document re-indexed as it is now,
/// both only if it is still the version the search saw.
fn write_item(mode: Mode, index: &str, hit: &Hit, source: Option<Vec<u8>>) -> Option<WriteItem> {
    let (seq_no, term) = hit.seq_no_primary_term?;
    let kind = match (mode, source) {
        (Mode::Delete, _) => WriteItemKind::Delete,
        (Mode::Update, Some(source)) => WriteItemKind::Index {
            create: false,
            source,
        },
        (Mode::Update, None) => return None,
    };
    Some(WriteItem {
        name: index.to_string(),
        id: Some(hit.id.clone()),
        kind,
        versioning: Versioning {
            if_seq_no: i64::try_from(seq_no).ok(),
            if_primary_term: i64::try_from(term).ok(),
            ..Versioning::default()
        },
        require_alias: false,
        require_data_stream: false,
        retry_on_conflict: 0,
    })
}

/// `BulkItemResponse.Failure` as the response's `failures` lists it.
fn failure_json(index: &str, id: &str, e: &StoreError) -> Value {
    let exception = e.to_exception();
    json!({
        "index": index,
        "id": id,
        "cause": exception.to_failure_json(),
        "status": exception.status,
    })
}

async fn run(
    state: Arc<AppState>,
    granted: Granted,
    uri: Uri,
    params: RenderParams,
    body: Bytes,
    mode: Mode,
) -> Result<EsJson, ApiError> {
    let started = Instant::now();
    let request = parse(mode, uri.path(), &params, &body)?;
    // The search the request makes is authorized as a search (`read`) on the same names.
    let search_part = if granted.indices().is_empty() {
        None
    } else {
        let search = on_indices(
            &state,
            action::SEARCH,
            granted.indices().to_vec(),
            IndicesOptions::STRICT_EXPAND_OPEN,
        )?;
        Some(authorize_part(&state, &granted, search)?)
    };
    let targets = match &search_part {
        Some(part) => read_targets(&state, part)?,
        None => Vec::new(),
    };
    let query = with_document_security(request.search.query.clone(), &targets)?;
    let mut base = request.search.clone();
    base.query = query;
    let store = documents(&state)?.clone();
    let guard = Arc::new(GateGuard::new(state.gate.as_ref(), &granted, store.space()));
    let mut tally = Tally::default();
    let mut remaining = request.max_docs.unwrap_or(u64::MAX);
    'indices: for (index, access) in &targets {
        let visibility = Arc::new(Visibility(if access.fields.is_unrestricted() {
            BTreeMap::new()
        } else {
            BTreeMap::from([(index.clone(), access.clone())])
        }));
        let mut after: Option<Vec<Value>> = None;
        let mut seen: HashSet<String> = HashSet::new();
        while remaining > 0 {
            let size = usize::try_from(remaining).map_or(BATCH, |r| r.min(BATCH));
            let search = batch_search(&base, size, after.take());
            let (s, v, i) = (store.clone(), visibility.clone(), vec![index.clone()]);
            let found = blocking(move || s.backend().search(&i, &search, &*v)).await??;
            if found.hits.is_empty() {
                break;
            }
            after = found.hits.last().and_then(|h| h.sort.clone());
            // Without a position to go on from, this batch is the last.
            let last = after.is_none() || found.hits.len() < size;
            // A document re-indexed by an earlier batch can come back once a refresh made
            // its new copy searchable (further on in index order): it is done once.
            let hits: Vec<Hit> = found
                .hits
                .into_iter()
                .filter(|h| seen.insert(h.id.clone()))
                .collect();
            if hits.is_empty() {
                if last {
                    break;
                }
                continue;
            }
            tally.total += hits.len() as u64;
            remaining = remaining.saturating_sub(hits.len() as u64);
            tally.batches += 1;
            let (s, g, idx) = (store.clone(), guard.clone(), index.clone());
            let results = blocking(move || {
                let mut items = Vec::with_capacity(hits.len());
                let mut missing = Vec::new();
                for hit in &hits {
                    // A re-index writes the whole stored document, whatever the caller may
                    // read of it.
                    let source = match mode {
                        Mode::Delete => None,
                        Mode::Update => match s.backend().get(&idx, &hit.id) {
                            Ok(Some(doc)) => serde_json::to_vec(&doc.source).ok(),
                            Ok(None) => None,
                            Err(e) => return Err(e),
                        },
                    };
                    match write_item(mode, &idx, hit, source) {
                        Some(item) => items.push(item),
                        None => missing.push(hit.id.clone()),
                    }
                }
                let written = s.write(items, &*g, ironstack_store::api::Refresh::None);
                Ok((written, missing))
            })
            .await??;
            let (written, missing) = results;
            // Gone between the search and the write: a conflict, as a failed condition is.
            tally.version_conflicts += missing.len() as u64;
            if request.abort_on_conflict && !missing.is_empty() {
                for id in &missing {
                    let e = StoreError::DocumentMissing {
                        index: index.clone(),
                        uuid: String::new(),
                        id: id.clone(),
                    };
                    tally.failures.push(failure_json(index, id, &e));
                }
                break 'indices;
            }
            let mut abort = false;
            for result in written {
                let id = result.id.clone().unwrap_or_default();
                match result.outcome {
                    Ok(_) => tally.done += 1,
                    Err(e @ StoreError::VersionConflict { .. }) => {
                        tally.version_conflicts += 1;
                        if request.abort_on_conflict {
                            tally.failures.push(failure_json(&result.index, &id, &e));
                            abort = true;
                        }
                    }
                    Err(e) => {
                        tally.failures.push(failure_json(&result.index, &id, &e));
                        abort = true;
                    }
                }
            }
            if abort {
                break 'indices;
            }
            if last {
                break;
            }
        }
    }
    if request.refresh {
        let indices: Vec<String> = targets.iter().map(|(i, _)| i.clone()).collect();
        let s = store.clone();
        blocking(move || indices.iter().try_for_each(|i| s.backend().refresh(i))).await??;
    }
    let status = tally
        .failures
        .iter()
        .filter_map(|f| f["status"].as_u64())
        .filter_map(|s| u16::try_from(s).ok())
        .filter_map(|s| StatusCode::from_u16(s).ok())
        .max()
        .unwrap_or(StatusCode::OK);
    let mut body = Map::new();
    body.insert("took".into(), json!(started.elapsed().as_millis() as u64));
    body.insert("timed_out".into(), json!(false));
    body.insert("total".into(), json!(tally.total));
    match mode {
        Mode::Delete => {
            body.insert("deleted".into(), json!(tally.done));
        }
        Mode::Update => {
            body.insert("updated".into(), json!(tally.done));
            body.insert("deleted".into(), json!(0));
        }
    }
    body.insert("batches".into(), json!(tally.batches));
    body.insert("version_conflicts".into(), json!(tally.version_conflicts));
    body.insert("noops".into(), json!(0));
    body.insert("retries".into(), json!({"bulk": 0, "search": 0}));
    body.insert("throttled_millis".into(), json!(0));
    body.insert("requests_per_second".into(), json!(-1.0));
    body.insert("throttled_until_millis".into(), json!(0));
    body.insert("failures".into(), Value::Array(tally.failures));
    Ok(EsJson(status, Value::Object(body)))
}

/// `POST /<index>/_delete_by_query`.
pub(crate) async fn delete_by_query(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    run(state, granted, uri, params, body, Mode::Delete).await
}

/// `POST /<index>/_update_by_query`: every document found re-indexed as it is (picking up
/// mapping changes), its `_version` moved on.
pub(crate) async fn update_by_query(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    uri: Uri,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    run(state, granted, uri, params, body, Mode::Update).await
}
