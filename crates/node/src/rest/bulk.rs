//! `POST|PUT [/<index>]/_bulk`: the NDJSON body parsed and validated as a whole (a malformed
//! action line or an invalid item fails the request), then every item written as the
//! single-document APIs write one, each authorized on its own, and the per-item results in
//! Elasticsearch's order and shape (`errors`, `took`, `items`).

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ironstack_store::StoreError;
use ironstack_store::bulk::{self, BulkAction, BulkDefaults, BulkItem};
use ironstack_store::service::{ItemResult, WriteItem, WriteItemKind};
use ironstack_types::EsException;
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::documents::{GateGuard, outcome_json, outcome_status, refresh_param, refuse_pipeline};
use super::envelope::RenderParams;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// One parsed item, or why it fails before it is written.
enum Prepared {
    Write(WriteItem),
    Failed {
        action: BulkAction,
        index: String,
        id: Option<String>,
        error: StoreError,
    },
}

/// The write an item asks for, or its own failure (an unknown pipeline, a bad date math
/// name).
fn prepare(item: BulkItem<'_>) -> Prepared {
    let action = item.action;
    let raw_index = item.index.clone().unwrap_or_default();
    let fail = |error: StoreError| Prepared::Failed {
        action,
        index: raw_index.clone(),
        id: item.id.clone(),
        error,
    };
    if let Some(pipeline) = item.pipeline.as_deref().filter(|p| *p != "_none") {
        return fail(StoreError::IllegalArgument(format!(
            "pipeline with id [{pipeline}] does not exist"
        )));
    }
    let name = match ironstack_types::date_math_name::resolve(
        &raw_index,
        ironstack_types::date::Timestamp::now(),
    ) {
        Ok(name) => name,
        Err(e) => {
            return fail(StoreError::Parse(EsException::from_code(&e).reason));
        }
    };
    let kind = match action {
        BulkAction::Index | BulkAction::Create => WriteItemKind::Index {
            create: action == BulkAction::Create,
            source: item.document.map(<[u8]>::to_vec).unwrap_or_default(),
        },
        BulkAction::Update => match item.update.clone() {
            Some(update) => WriteItemKind::Update(update),
            None => return fail(StoreError::IllegalArgument("update body is missing".into())),
        },
        BulkAction::Delete => WriteItemKind::Delete,
    };
    Prepared::Write(WriteItem {
        name,
        id: item.id,
        kind,
        versioning: item.versioning,
        require_alias: item.require_alias,
        require_data_stream: item.require_data_stream,
        retry_on_conflict: item.retry_on_conflict,
    })
}

/// One item of the response.
fn item_json(
    action: BulkAction,
    index: &str,
    id: Option<&str>,
    outcome: Result<(Map<String, Value>, u16), EsException>,
) -> Value {
    let mut item = match outcome {
        Ok((mut body, status)) => {
            body.insert("status".into(), json!(status));
            body
        }
        Err(e) => {
            let mut body = Map::new();
            body.insert("_index".into(), json!(index));
            body.insert("_id".into(), json!(id));
            body.insert("status".into(), json!(e.status));
            body.insert("error".into(), e.to_failure_json());
            body
        }
    };
    if item.get("_index").is_none() {
        item.insert("_index".into(), json!(index));
    }
    let mut wrapper = Map::new();
    wrapper.insert(action.name().into(), Value::Object(item));
    Value::Object(wrapper)
}

/// `POST|PUT [/<index>]/_bulk`.
pub(crate) async fn bulk(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    refuse_pipeline(params.param("pipeline"))?;
    let refresh = refresh_param(&params)?;
    let defaults = BulkDefaults {
        index: path.get("index").map(str::to_string),
        routing: params.param("routing").map(str::to_string),
        pipeline: params.param("pipeline").map(str::to_string),
        require_alias: params.boolean("require_alias")?,
        require_data_stream: params.boolean("require_data_stream")?,
        allow_explicit_index: true,
    };
    let store = documents(&state)?.clone();
    let guard = GateGuard::new(state.gate.as_ref(), &granted, store.space());
    let warnings = guard.warnings();
    let (items, results) = blocking(move || -> Result<_, ApiError> {
        let parsed = bulk::parse(&body, &defaults)?;
        bulk::validate(&parsed)?;
        let prepared: Vec<Prepared> = parsed.into_iter().map(prepare).collect();
        let writes: Vec<WriteItem> = prepared
            .iter()
            .filter_map(|p| match p {
                Prepared::Write(w) => Some(w.clone()),
                Prepared::Failed { .. } => None,
            })
            .collect();
        let written = store.write(writes, &guard, refresh);
        let copies: Vec<u64> = written
            .iter()
            .map(|r| store.shard_copies(&r.index))
            .collect();
        Ok((
            prepared,
            written.into_iter().zip(copies).collect::<Vec<_>>(),
        ))
    })
    .await??;
    let mut results: std::vec::IntoIter<(ItemResult, u64)> = results.into_iter();
    let mut errors = false;
    let mut rendered = Vec::with_capacity(items.len());
    for item in items {
        let value = match item {
            Prepared::Failed {
                action,
                index,
                id,
                error,
            } => {
                errors = true;
                item_json(action, &index, id.as_deref(), Err(error.to_exception()))
            }
            Prepared::Write(w) => {
                let Some((result, copies)) = results.next() else {
                    return Err(ApiError::internal("a bulk item has no result"));
                };
                match &result.outcome {
                    Ok(outcome) => {
                        let mut body = outcome_json(&result.index, outcome, copies);
                        if let Some(source) = &result.updated_source
                            && w.action() == BulkAction::Update
                            && matches!(&w.kind, WriteItemKind::Update(u) if u.source.as_ref().is_some_and(|s| s != &Value::Bool(false)))
                        {
                            body.insert(
                                "get".into(),
                                json!({"_seq_no": outcome.seq_no, "_primary_term": outcome.primary_term, "found": true, "_source": source}),
                            );
                        }
                        item_json(
                            result.action,
                            &result.index,
                            Some(&outcome.id),
                            Ok((body, outcome_status(outcome).as_u16())),
                        )
                    }
                    Err(e) => {
                        errors = true;
                        item_json(
                            result.action,
                            &result.index,
                            result.id.as_deref(),
                            Err(e.to_exception()),
                        )
                    }
                }
            }
        };
        rendered.push(value);
    }
    let mut response = EsJson::ok(json!({
        "errors": errors,
        "took": started.elapsed().as_millis() as u64,
        "items": rendered,
    }))
    .into_response();
    warnings.apply(&mut response);
    Ok(response)
}
