//! Index lifecycle management's REST APIs: policies (`_ilm/policy` put, get, delete), where
//! each managed index stands (`<index>/_ilm/explain`, from the lifecycle states the ILM runner
//! advances) and ILM's operation mode (`_ilm/status`, `_ilm/start`, `_ilm/stop`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use ironstack_store::metadata::IlmMode;
use serde_json::Value;

use super::body;
use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::indices::{acknowledged, granted_concrete};
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `PUT /_ilm/policy/<name>` (`{"policy": {...}}`).
pub(crate) async fn put_policy(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let name = path.required("name")?.to_string();
    let body = body::required_json(&body)?;
    let store = documents(&state)?.clone();
    blocking(move || store.put_ilm_policy(&name, &body)).await??;
    Ok(acknowledged())
}

/// `GET /_ilm/policy[/<names>]`: each policy with its version, date and users.
pub(crate) async fn get_policies(
    State(state): State<Arc<AppState>>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let names = path.names("name").unwrap_or_default();
    let store = documents(&state)?;
    let body = store
        .metadata()
        .get_ilm_policies(&names, &store.concrete())?;
    Ok(EsJson::ok(body))
}

/// `DELETE /_ilm/policy/<name>`: refused while an index uses it.
pub(crate) async fn delete_policy(
    State(state): State<Arc<AppState>>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let name = path.required("name")?.to_string();
    let store = documents(&state)?.clone();
    blocking(move || store.delete_ilm_policy(&name)).await??;
    Ok(acknowledged())
}

/// `GET /<index>/_ilm/explain` (`only_managed`, `only_errors`).
pub(crate) async fn explain(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let only_managed = params.boolean("only_managed")?;
    let only_errors = params.boolean("only_errors")?;
    let store = documents(&state)?;
    let names = granted_concrete(&granted, &store.space())?;
    let indices: Vec<_> = store
        .concrete()
        .iter()
        .filter(|c| names.contains(&c.name))
        .cloned()
        .collect();
    let now = ironstack_types::date::now_millis();
    let mut body = store.metadata().ilm_explain(&indices, now, params.human);
    if (only_managed || only_errors)
        && let Some(Value::Object(entries)) = body.get_mut("indices")
    {
        entries.retain(|_, entry| {
            let managed = entry["managed"] == Value::Bool(true);
            let failed = entry["step"] == "ERROR";
            (!only_managed || managed) && (!only_errors || failed)
        });
    }
    Ok(EsJson::ok(body))
}

/// `GET /_ilm/status`.
pub(crate) async fn status(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    Ok(EsJson::ok(documents(&state)?.metadata().ilm_status()))
}

/// `POST /_ilm/start`.
pub(crate) async fn start(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    set_mode(&state, IlmMode::Running).await
}

/// `POST /_ilm/stop`: the runner leaves every index where it is until started again.
pub(crate) async fn stop(State(state): State<Arc<AppState>>) -> Result<EsJson, ApiError> {
    set_mode(&state, IlmMode::Stopped).await
}

async fn set_mode(state: &AppState, mode: IlmMode) -> Result<EsJson, ApiError> {
    let store = documents(state)?.clone();
    blocking(move || store.set_ilm_mode(mode)).await??;
    Ok(acknowledged())
}
