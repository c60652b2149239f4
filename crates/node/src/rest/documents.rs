//! The single-document APIs (`PUT|POST /<index>/_doc[/<id>]`, `_create`, `GET|HEAD|DELETE
//! /<index>/_doc/<id>`, `_source`, `_update`) and what they share with `_bulk`: the request
//! authorized by action name, each item by the security gate on the name it targets (as
//! Elasticsearch authorizes a one-item bulk), and the result of one write as Elasticsearch
//! renders it.

use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ironstack_security::gate::{Gate, WriteItemAuthorizer};
use ironstack_security::rbac::BulkOp;
use ironstack_store::StoreError;
use ironstack_store::api::{Refresh, WriteOutcome, WriteResultKind};
use ironstack_store::bulk::{BulkAction, UpdateBody};
use ironstack_store::doc_write::{Versioning, WriteKind, parse_op_type, parse_refresh};
use ironstack_store::query::{SourceFilter, parse_source_params};
use ironstack_store::service::{ItemResult, WriteGuard, WriteItem, WriteItemKind};
use ironstack_types::EsException;
use ironstack_types::index_space::IndexSpace;
use ironstack_types::info::ES_VERSION;
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::handlers::BUILD_HASH;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// The security gate's item checks as the store's [`WriteGuard`], collecting the
/// deprecation warnings the checks produce for the response's `Warning` headers.
pub(crate) struct GateGuard {
    items: WriteItemAuthorizer,
    warnings: Warnings,
}

/// Deprecation warnings of one request, each once, in the order they were first given.
#[derive(Debug, Clone, Default)]
pub(crate) struct Warnings(Arc<Mutex<Vec<String>>>);

impl Warnings {
    fn add(&self, warning: String) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !all.contains(&warning) {
            all.push(warning);
        }
    }

    /// Adds Elasticsearch's `Warning: 299 Elasticsearch-<version>-<build> "<text>"` headers.
    pub(crate) fn apply(&self, response: &mut Response) {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for warning in all.iter() {
            let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
            let value = format!("299 Elasticsearch-{ES_VERSION}-{BUILD_HASH} \"{escaped}\"");
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().append(header::WARNING, value);
            }
        }
    }
}

impl GateGuard {
    /// The checks for `granted` (security off: none).
    pub(crate) fn new(gate: Option<&Arc<Gate>>, granted: &Granted, space: Arc<IndexSpace>) -> Self {
        Self {
            items: match gate {
                Some(gate) => gate.write_items(granted, space),
                None => WriteItemAuthorizer::unrestricted(),
            },
            warnings: Warnings::default(),
        }
    }

    /// The warnings collected so far (shared: those added later show too).
    pub(crate) fn warnings(&self) -> Warnings {
        self.warnings.clone()
    }
}

impl WriteGuard for GateGuard {
    fn check_item(&self, action: BulkAction, name: &str) -> Result<(), Box<EsException>> {
        let op = match action {
            BulkAction::Index => BulkOp::Index,
            BulkAction::Create => BulkOp::Create,
            BulkAction::Update => BulkOp::Update,
            BulkAction::Delete => BulkOp::Delete,
        };
        self.items.check(op, name)
    }

    fn check_auto_create(&self, name: &str) -> Result<(), Box<EsException>> {
        self.items.check_auto_create(name)
    }

    fn check_mapping_update(&self, index: &str) -> Result<Option<String>, Box<EsException>> {
        self.items.check_mapping_update(index)
    }

    fn deprecated(&self, warning: String) {
        self.warnings.add(warning);
    }
}

/// `result` as Elasticsearch names it.
fn result_name(kind: WriteResultKind) -> &'static str {
    match kind {
        WriteResultKind::Created => "created",
        WriteResultKind::Updated => "updated",
        WriteResultKind::Deleted => "deleted",
        WriteResultKind::NotFound => "not_found",
        WriteResultKind::Noop => "noop",
    }
}

/// The HTTP status of a successful write.
pub(crate) fn outcome_status(outcome: &WriteOutcome) -> StatusCode {
    match outcome.result {
        WriteResultKind::Created => StatusCode::CREATED,
        WriteResultKind::NotFound => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// A successful write as Elasticsearch's `DocWriteResponse` renders it.
pub(crate) fn outcome_json(index: &str, outcome: &WriteOutcome, copies: u64) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("_index".into(), json!(index));
    body.insert("_id".into(), json!(outcome.id));
    body.insert("_version".into(), json!(outcome.version));
    body.insert("result".into(), json!(result_name(outcome.result)));
    if outcome.forced_refresh {
        body.insert("forced_refresh".into(), json!(true));
    }
    // A noop touched no shard.
    let (total, successful) = if outcome.result == WriteResultKind::Noop {
        (0, 0)
    } else {
        (copies, 1)
    };
    body.insert(
        "_shards".into(),
        json!({"total": total, "successful": successful, "failed": 0}),
    );
    body.insert("_seq_no".into(), json!(outcome.seq_no));
    body.insert("_primary_term".into(), json!(outcome.primary_term));
    body
}

/// The write's `index` name from the path, date math resolved.
pub(crate) fn target_name(path: &PathParams) -> Result<String, ApiError> {
    let raw = path.required("index")?;
    ironstack_types::date_math_name::resolve(raw, ironstack_types::date::Timestamp::now())
        .map_err(|e| ApiError::from(EsException::from_code(&e)))
}

/// `?refresh`.
pub(crate) fn refresh_param(params: &RenderParams) -> Result<Refresh, ApiError> {
    params
        .param("refresh")
        .map_or(Ok(Refresh::None), parse_refresh)
        .map_err(ApiError::from)
}

/// `?pipeline`: ingest pipelines do not exist here, so naming one fails as it would on a
/// node without it.
pub(crate) fn refuse_pipeline(name: Option<&str>) -> Result<(), ApiError> {
    match name {
        None | Some("_none") => Ok(()),
        Some(pipeline) => Err(ApiError::illegal_argument(format!(
            "pipeline with id [{pipeline}] does not exist"
        ))),
    }
}

/// Runs one write and answers as the single-document APIs do.
async fn write_one(
    state: Arc<AppState>,
    granted: Granted,
    item: WriteItem,
    refresh: Refresh,
    return_source: bool,
) -> Result<Response, ApiError> {
    let store = documents(&state)?.clone();
    let guard = GateGuard::new(state.gate.as_ref(), &granted, store.space());
    let warnings = guard.warnings();
    let result = blocking(move || {
        let mut results = store.write(vec![item], &guard, refresh);
        let result = results.pop();
        result.map(|r| {
            let copies = store.shard_copies(&r.index);
            (r, copies)
        })
    })
    .await?
    .ok_or_else(|| ApiError::internal("the write returned no result"))?;
    let (mut item_result, copies) = result;
    if !return_source {
        item_result.updated_source = None;
    }
    let mut response = single_response(item_result, copies)?;
    warnings.apply(&mut response);
    Ok(response)
}

/// The response of a single-document write.
fn single_response(result: ItemResult, copies: u64) -> Result<Response, ApiError> {
    let outcome = result.outcome.map_err(ApiError::from)?;
    let status = outcome_status(&outcome);
    let mut body = outcome_json(&result.index, &outcome, copies);
    if let Some(source) = result.updated_source {
        body.insert(
            "get".into(),
            json!({"_seq_no": outcome.seq_no, "_primary_term": outcome.primary_term, "found": true, "_source": source}),
        );
    }
    let location =
        (status == StatusCode::CREATED).then(|| format!("/{}/_doc/{}", result.index, outcome.id));
    let mut response = EsJson(status, Value::Object(body)).into_response();
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Versioning from the URL, validated for `kind` (`action_request_validation_exception`).
fn versioning(
    params: &RenderParams,
    kind: WriteKind,
    id: Option<&str>,
) -> Result<Versioning, ApiError> {
    let versioning = Versioning::from_params(|k| params.param(k))?;
    let mut messages = Vec::new();
    versioning.validate(kind, id, &mut messages);
    if messages.is_empty() {
        Ok(versioning)
    } else {
        Err(StoreError::Validation(messages).into())
    }
}

fn flag(params: &RenderParams, name: &str) -> Result<bool, ApiError> {
    params.boolean(name)
}

/// The body of an index request: it must have one.
fn document_body(body: &Bytes) -> Result<Vec<u8>, ApiError> {
    if body.is_empty() {
        return Err(StoreError::Validation(vec!["source is missing".into()]).into());
    }
    Ok(body.to_vec())
}

/// `PUT|POST /<index>/_doc/<id>` (`op_type` index unless `?op_type=create`), and
/// `POST /<index>/_doc` (a generated id: create).
pub(crate) async fn index_doc(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path.get("id").map(str::to_string);
    let create = match params.param("op_type") {
        Some(op) => parse_op_type(op)? == WriteKind::Create,
        None => id.is_none(),
    };
    let kind = if create {
        WriteKind::Create
    } else {
        WriteKind::Index
    };
    write_index_request(state, granted, path, params, body, id, kind).await
}

/// `PUT|POST /<index>/_create/<id>`.
pub(crate) async fn create_doc(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path.get("id").map(str::to_string);
    write_index_request(state, granted, path, params, body, id, WriteKind::Create).await
}

async fn write_index_request(
    state: Arc<AppState>,
    granted: Granted,
    path: PathParams,
    params: RenderParams,
    body: Bytes,
    id: Option<String>,
    kind: WriteKind,
) -> Result<Response, ApiError> {
    let name = target_name(&path)?;
    refuse_pipeline(params.param("pipeline"))?;
    let versioning = versioning(&params, kind, id.as_deref())?;
    let source = document_body(&body)?;
    let item = WriteItem {
        name,
        id,
        kind: WriteItemKind::Index {
            create: kind == WriteKind::Create,
            source,
        },
        versioning,
        require_alias: flag(&params, "require_alias")?,
        require_data_stream: flag(&params, "require_data_stream")?,
        retry_on_conflict: 0,
    };
    let refresh = refresh_param(&params)?;
    write_one(state, granted, item, refresh, false).await
}

/// `DELETE /<index>/_doc/<id>`.
pub(crate) async fn delete_doc(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let name = target_name(&path)?;
    let id = path.required("id")?.to_string();
    let versioning = versioning(&params, WriteKind::Delete, Some(&id))?;
    let item = WriteItem {
        name,
        id: Some(id),
        kind: WriteItemKind::Delete,
        versioning,
        require_alias: false,
        require_data_stream: false,
        retry_on_conflict: 0,
    };
    let refresh = refresh_param(&params)?;
    write_one(state, granted, item, refresh, false).await
}

/// `POST /<index>/_update/<id>`.
pub(crate) async fn update_doc(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = target_name(&path)?;
    let id = path.required("id")?.to_string();
    let value = super::body::json(&body)?.ok_or_else(|| {
        ApiError::from(EsException::new(
            ironstack_types::EsErrorType::Parse,
            "request body is required",
        ))
    })?;
    let update = UpdateBody::parse(&value)?;
    let versioning = Versioning::from_params(|k| params.param(k))?;
    let retry_on_conflict = params
        .param("retry_on_conflict")
        .map(|v| {
            v.parse::<u32>().map_err(|_| {
                ApiError::illegal_argument(format!(
                    "Failed to parse int parameter [retry_on_conflict] with value [{v}]"
                ))
            })
        })
        .transpose()?
        .unwrap_or(0);
    let item = WriteItem {
        name,
        id: Some(id),
        kind: WriteItemKind::Update(update),
        versioning,
        require_alias: flag(&params, "require_alias")?,
        require_data_stream: false,
        retry_on_conflict,
    };
    ironstack_store::bulk::validate(&[ironstack_store::bulk::BulkItem {
        line: 1,
        action: BulkAction::Update,
        index: Some(item.name.clone()),
        id: item.id.clone(),
        routing: None,
        versioning: item.versioning,
        pipeline: None,
        require_alias: item.require_alias,
        require_data_stream: false,
        retry_on_conflict,
        dynamic_templates: Default::default(),
        source_filter: None,
        document: None,
        update: match &item.kind {
            WriteItemKind::Update(u) => Some(u.clone()),
            _ => None,
        },
    }])?;
    // `_source` (URL or body) asks for the updated document in `get`.
    let return_source = params.param("_source").is_some_and(|v| v != "false")
        || matches!(&item.kind, WriteItemKind::Update(u) if u.source.as_ref().is_some_and(|s| s != &Value::Bool(false)));
    let refresh = refresh_param(&params)?;
    write_one(state, granted, item, refresh, return_source).await
}

/// What a document read returns of `_source`, from `_source`, `_source_includes` and
/// `_source_excludes`.
fn source_filter(params: &RenderParams) -> Result<Option<SourceFilter>, ApiError> {
    parse_source_params(&params.query).map_err(ApiError::from)
}

/// `GET|HEAD /<index>/_doc/<id>`: realtime, through an alias naming one index.
pub(crate) async fn get_doc(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    read_doc(state, granted, path, params, false).await
}

/// `GET|HEAD /<index>/_source/<id>`.
pub(crate) async fn get_source(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    read_doc(state, granted, path, params, true).await
}

async fn read_doc(
    state: Arc<AppState>,
    granted: Granted,
    path: PathParams,
    params: RenderParams,
    source_only: bool,
) -> Result<Response, ApiError> {
    let store = documents(&state)?.clone();
    let name = granted
        .indices()
        .first()
        .cloned()
        .ok_or_else(|| ApiError::internal("a document read without an index"))?;
    let id = path.required("id")?.to_string();
    let filter = source_filter(&params)?;
    let index = store.single_index(&name)?;
    let access = match &state.gate {
        Some(gate) => Some(gate.read_access(&granted, &store.space(), &index)?),
        None => None,
    };
    let lookup_index = index.clone();
    let found = blocking(move || store.backend().get(&lookup_index, &id)).await??;
    let id = path.required("id")?;
    let visible = match (&found, &access) {
        (Some(doc), Some(access)) if !access.documents.is_unrestricted() => {
            super::dls::document_visible(&state, &index, &doc.id, access).await?
        }
        _ => true,
    };
    let found = found.filter(|_| visible);
    let Some(doc) = found else {
        if source_only {
            return Err(ApiError::from(EsException::with_status(
                ironstack_types::EsErrorType::ResourceNotFound,
                404,
                format!("Document not found [{index}]/[{id}]"),
            )));
        }
        return Ok(EsJson(
            StatusCode::NOT_FOUND,
            json!({"_index": index, "_id": id, "found": false}),
        )
        .into_response());
    };
    let mut source = doc.source.clone();
    if let Some(access) = &access {
        source = super::dls::filter_source_fields(&source, &access.fields);
    }
    let source = match &filter {
        Some(f) => f.apply(&source),
        None => Some(source),
    };
    if source_only {
        return Ok(EsJson::ok(source.unwrap_or(Value::Null)).into_response());
    }
    let mut body = Map::new();
    body.insert("_index".into(), json!(index));
    body.insert("_id".into(), json!(doc.id));
    body.insert("_version".into(), json!(doc.version));
    body.insert("_seq_no".into(), json!(doc.seq_no));
    body.insert("_primary_term".into(), json!(doc.primary_term));
    body.insert("found".into(), json!(true));
    if let Some(source) = source {
        body.insert("_source".into(), source);
    }
    Ok(EsJson::ok(Value::Object(body)).into_response())
}
