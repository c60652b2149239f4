//! Scrolls and points in time: `POST /<index>/_pit` and `DELETE /_pit`, `_search` with a
//! `pit`, `_search?scroll=`, `/_search/scroll` and its `DELETE`. Both rest on the store's
//! points in time (the readers pinned when they were opened); this module keeps who opened
//! each one, since only that user (or API key) may use or close it, as Elasticsearch's
//! `SecuritySearchOperationListener` requires, and, for a scroll, the search as first asked
//! (document-level security applied) and where its last page ended.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use ironstack_security::rbac::IndexAccess;
use ironstack_store::StoreError;
use ironstack_store::query::SearchRequest;
use ironstack_store::service::StoreService;
use ironstack_types::time_value::TimeValue;
use serde_json::{Map, Value, json};

use super::body;
use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::{
    SearchOutcome, Visibility, access_by_index, read_targets, render_search, with_document_security,
};
use crate::state::AppState;

/// `search.max_keep_alive`: the longest keep-alive a request may ask for.
const MAX_KEEP_ALIVE: Duration = Duration::from_secs(24 * 3600);

/// Who opened a context: the acting user in its realm, or the API key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner(String);

impl Owner {
    fn of(granted: &Granted) -> Self {
        let authenticated = granted.authenticated();
        match authenticated.api_key() {
            Some(key) => Owner(format!("api_key/{}", key.id)),
            None => Owner(format!(
                "{}/{}",
                authenticated.lookup_realm().name,
                authenticated.user().username
            )),
        }
    }
}

/// Where a scroll is: its search and the `sort` of the last hit it returned.
struct ScrollCursor {
    request: SearchRequest,
    access: BTreeMap<String, IndexAccess>,
    /// The field rules of `access` the store applies (those that restrict anything).
    fields: BTreeMap<String, IndexAccess>,
    after: Option<Vec<Value>>,
    /// Whether the search asked for a sort (its hits then show it, without the tiebreaker).
    sorted: bool,
    total_hits_as_int: bool,
}

struct Context {
    owner: Owner,
    scroll: Option<ScrollCursor>,
    opened: Instant,
}

/// The open points in time and scrolls, by id (the store's point-in-time id), and the
/// figures of the scrolls that ended.
#[derive(Default)]
pub(crate) struct ReaderContexts {
    open: Mutex<HashMap<String, Context>>,
    /// Scrolls cleared or found expired (`scroll_total`), and how long they were open.
    ended: Mutex<(u64, u64)>,
}

/// `_nodes/stats` `search` figures of scrolls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ScrollFigures {
    /// Open now (`scroll_current`).
    pub(crate) current: u64,
    /// Ended (`scroll_total`).
    pub(crate) total: u64,
    /// How long the ended ones were open (`scroll_time_in_millis`).
    pub(crate) time_millis: u64,
}

impl ReaderContexts {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Context>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts `context` among the ended scrolls when it was one.
    fn ended(&self, context: &Context) {
        if context.scroll.is_some() {
            let mut ended = self.ended.lock().unwrap_or_else(|p| p.into_inner());
            ended.0 += 1;
            ended.1 += context.opened.elapsed().as_millis() as u64;
        }
    }

    /// Removes `id`, counting it if it was a scroll.
    fn remove(&self, id: &str) -> bool {
        let removed = self.lock().remove(id);
        if let Some(context) = &removed {
            self.ended(context);
        }
        removed.is_some()
    }

    /// The scroll figures, after forgetting the scrolls whose reader the store let expire.
    pub(crate) fn scroll_figures(&self, store: &StoreService) -> ScrollFigures {
        let scrolls: Vec<String> = self
            .lock()
            .iter()
            .filter(|(_, c)| c.scroll.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        let mut current = 0;
        for id in scrolls {
            if store.backend().point_in_time_indices(&id).is_ok() {
                current += 1;
            } else {
                self.remove(&id);
            }
        }
        let (total, time_millis) = *self.ended.lock().unwrap_or_else(|p| p.into_inner());
        ScrollFigures {
            current,
            total,
            time_millis,
        }
    }
}

/// `keep_alive` / `scroll` checked against `search.max_keep_alive`.
fn keep_alive(value: &str, name: &str) -> Result<Duration, ApiError> {
    let parsed =
        TimeValue::parse(value, name).map_err(|e| ApiError::illegal_argument(e.to_string()))?;
    // A negative keep-alive would open a context that is gone before its first page.
    let duration = parsed.to_duration().ok_or_else(|| {
        ApiError::illegal_argument(format!("[{name}] must be positive, got [{value}]"))
    })?;
    if duration > MAX_KEEP_ALIVE {
        return Err(ApiError::illegal_argument(format!(
            "Keep alive for request ({value}) is too large. It must be less than (1d). This limit can be set by changing the [search.max_keep_alive] cluster level setting."
        )));
    }
    Ok(duration)
}

/// `action_request_validation_exception` with one numbered reason.
fn validation(reason: &str) -> ApiError {
    StoreError::Validation(vec![reason.to_string()]).into()
}

fn missing(id: &str) -> ApiError {
    StoreError::SearchContextMissing(id.to_string()).into()
}

/// The context `id` if the caller opened it: another user's is as missing as an expired one.
fn check_owner(state: &AppState, granted: &Granted, id: &str) -> Result<(), ApiError> {
    let contexts = state.reader_contexts.lock();
    match contexts.get(id) {
        Some(c) if state.gate.is_none() || c.owner == Owner::of(granted) => Ok(()),
        _ => Err(missing(id)),
    }
}

/// `POST /<index>/_pit?keep_alive=`.
pub(crate) async fn open_point_in_time(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let Some(value) = params.param("keep_alive") else {
        return Err(validation("[keep_alive] is not specified"));
    };
    let keep = keep_alive(value, "keep_alive")?;
    let targets = read_targets(&state, &granted)?;
    let indices: Vec<String> = targets.into_iter().map(|(i, _)| i).collect();
    let store = documents(&state)?.clone();
    let shards = indices.len();
    let id = blocking(move || store.backend().open_point_in_time(&indices, keep)).await??;
    state.reader_contexts.lock().insert(
        id.clone(),
        Context {
            owner: Owner::of(&granted),
            scroll: None,
            opened: Instant::now(),
        },
    );
    Ok(EsJson::ok(json!({
        "id": id,
        "_shards": {"total": shards, "successful": shards, "skipped": 0, "failed": 0}
    })))
}

/// The ids of a `DELETE /_pit` or `DELETE /_search/scroll` body (`{"<field>": "id" | ["id", ..]}`).
fn ids_in_body(body: &Bytes, field: &str) -> Result<Vec<String>, ApiError> {
    let Some(value) = body::json(body)? else {
        return Ok(Vec::new());
    };
    let ids = match value.get(field) {
        Some(Value::String(id)) => vec![id.clone()],
        Some(Value::Array(ids)) => ids
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    ApiError::illegal_argument(format!(
                        "[{field}] must be a string or an array of strings"
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ApiError::illegal_argument(format!(
                "[{field}] must be a string or an array of strings"
            )));
        }
        None => Vec::new(),
    };
    Ok(ids)
}

/// Closes the caller's contexts among `ids`; `{"succeeded", "num_freed"}`, 404 when none was.
async fn close(
    state: &Arc<AppState>,
    granted: &Granted,
    ids: Vec<String>,
) -> Result<EsJson, ApiError> {
    let owner = Owner::of(granted);
    let mine: Vec<String> = {
        let contexts = state.reader_contexts.lock();
        ids.into_iter()
            .filter(|id| {
                contexts
                    .get(id)
                    .is_some_and(|c| state.gate.is_none() || c.owner == owner)
            })
            .collect()
    };
    let mine: Vec<String> = mine
        .into_iter()
        .filter(|id| state.reader_contexts.remove(id))
        .collect();
    let store = documents(state)?.clone();
    let freed = blocking(move || {
        mine.iter()
            .filter(|id| store.backend().close_point_in_time(id))
            .count()
    })
    .await?;
    let body = json!({"succeeded": true, "num_freed": freed});
    Ok(if freed == 0 {
        EsJson(StatusCode::NOT_FOUND, body)
    } else {
        EsJson::ok(body)
    })
}

/// `DELETE /_pit` with `{"id": ..}`.
pub(crate) async fn close_point_in_time(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let ids = ids_in_body(&body, "id")?;
    if ids.is_empty() {
        return Err(validation("[id] is not specified"));
    }
    close(&state, &granted, ids).await
}

/// `_search` with a `pit`: the point in time's indices were authorized (the id names them);
/// its searchers answer, and the response carries the `pit_id` to use next.
pub(crate) async fn search_point_in_time(
    state: &Arc<AppState>,
    granted: &Granted,
    request: SearchRequest,
    total_hits_as_int: bool,
) -> Result<Value, ApiError> {
    let started = Instant::now();
    let Some(pit) = request.point_in_time.clone() else {
        return Err(ApiError::internal("a point-in-time search without a pit"));
    };
    check_owner(state, granted, &pit.id)?;
    let targets = read_targets(state, granted)?;
    let mut request = request;
    request.query = with_document_security(request.query, &targets)?;
    let store = documents(state)?.clone();
    let visibility = Visibility(access_by_index(&targets));
    let run = request.clone();
    let id = pit.id.clone();
    let result = blocking(move || {
        store
            .backend()
            .search_point_in_time(&id, pit.keep_alive, &run, &visibility)
    })
    .await?;
    let result = forget_if_missing(state, &pit.id, result)?;
    let outcome = SearchOutcome {
        result,
        access: targets.into_iter().collect(),
        started,
    };
    let mut body = Map::new();
    body.insert("pit_id".into(), json!(pit.id));
    body.extend(render_search(outcome, &request, total_hits_as_int));
    Ok(Value::Object(body))
}

/// A context the store no longer has (expired) leaves this registry too.
fn forget_if_missing<T>(
    state: &AppState,
    id: &str,
    result: Result<T, StoreError>,
) -> Result<T, ApiError> {
    if let Err(StoreError::SearchContextMissing(_)) = &result {
        state.reader_contexts.remove(id);
    }
    Ok(result?)
}

/// `_search?scroll=`: the first page, from a point in time opened for the scroll.
pub(crate) async fn start_scroll(
    state: &Arc<AppState>,
    granted: &Granted,
    request: SearchRequest,
    scroll: &str,
    total_hits_as_int: bool,
) -> Result<Value, ApiError> {
    let keep = keep_alive(scroll, "scroll")?;
    let targets = read_targets(state, granted)?;
    let mut request = request;
    request.query = with_document_security(request.query, &targets)?;
    let indices: Vec<String> = targets.iter().map(|(i, _)| i.clone()).collect();
    let store = documents(state)?.clone();
    let id = blocking(move || store.backend().open_point_in_time(&indices, keep)).await??;
    state.reader_contexts.lock().insert(
        id.clone(),
        Context {
            owner: Owner::of(granted),
            opened: Instant::now(),
            scroll: Some(ScrollCursor {
                sorted: !request.sort.is_empty(),
                fields: access_by_index(&targets),
                request,
                access: targets.into_iter().collect(),
                after: None,
                total_hits_as_int,
            }),
        },
    );
    next_page(state, &id, None).await
}

/// The next page of the scroll `id`, its keep-alive renewed to `keep`.
async fn next_page(
    state: &Arc<AppState>,
    id: &str,
    keep: Option<Duration>,
) -> Result<Value, ApiError> {
    let started = Instant::now();
    let (request, access, visibility, sorted, as_int) = {
        let contexts = state.reader_contexts.lock();
        let Some(cursor) = contexts.get(id).and_then(|c| c.scroll.as_ref()) else {
            return Err(missing(id));
        };
        let mut request = cursor.request.clone();
        request.search_after = cursor.after.clone();
        (
            request,
            cursor.access.clone(),
            Visibility(cursor.fields.clone()),
            cursor.sorted,
            cursor.total_hits_as_int,
        )
    };
    let store = documents(state)?.clone();
    let run = request.clone();
    let pit = id.to_string();
    let result = blocking(move || {
        store
            .backend()
            .search_point_in_time(&pit, keep, &run, &visibility)
    })
    .await?;
    let mut result = forget_if_missing(state, id, result)?;
    if let Some(last) = result.hits.last().and_then(|h| h.sort.clone())
        && let Some(cursor) = state
            .reader_contexts
            .lock()
            .get_mut(id)
            .and_then(|c| c.scroll.as_mut())
    {
        cursor.after = Some(last);
    }
    // The tiebreaker is the scroll's own: hits show the sort that was asked for, if any.
    for hit in &mut result.hits {
        if sorted {
            if let Some(sort) = hit.sort.as_mut() {
                sort.pop();
            }
        } else {
            hit.sort = None;
        }
    }
    let mut shown = request;
    shown.search_after = None;
    let outcome = SearchOutcome {
        result,
        access,
        started,
    };
    let mut body = Map::new();
    body.insert("_scroll_id".into(), json!(id));
    body.extend(render_search(outcome, &shown, as_int));
    Ok(Value::Object(body))
}

/// The scroll id and keep-alive of a `/_search/scroll` request: from the body
/// (`{"scroll_id", "scroll"}`), the path or the query string.
fn scroll_request(
    path: &PathParams,
    params: &RenderParams,
    body: &Bytes,
) -> Result<(String, Option<Duration>), ApiError> {
    let json = body::json(body)?;
    let field = |name: &str| {
        json.as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let id = field("scroll_id")
        .or_else(|| path.get("scroll_id").map(str::to_string))
        .or_else(|| params.param("scroll_id").map(str::to_string))
        .ok_or_else(|| validation("scrollId is missing"))?;
    let keep = match field("scroll").or_else(|| params.param("scroll").map(str::to_string)) {
        Some(v) => Some(keep_alive(&v, "scroll")?),
        None => None,
    };
    Ok((id, keep))
}

/// `GET|POST /_search/scroll[/<scroll_id>]`.
pub(crate) async fn scroll(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let (id, keep) = scroll_request(&path, &params, &body)?;
    check_owner(&state, &granted, &id)?;
    Ok(EsJson::ok(next_page(&state, &id, keep).await?))
}

/// `DELETE /_search/scroll[/<scroll_id>]` (`_all`: every scroll the caller opened).
pub(crate) async fn clear_scroll(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let mut ids = ids_in_body(&body, "scroll_id")?;
    if let Some(listed) = path.get("scroll_id") {
        ids.extend(
            listed
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
    }
    if ids.is_empty() {
        return Err(validation("no scroll ids specified"));
    }
    if ids.iter().any(|i| i == "_all") {
        ids = state
            .reader_contexts
            .lock()
            .iter()
            .filter(|(_, c)| c.scroll.is_some())
            .map(|(id, _)| id.clone())
            .collect();
    }
    close(&state, &granted, ids).await
}
