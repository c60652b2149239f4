//! The template APIs: composable index templates (`_index_template`: put, get, check, delete,
//! `_simulate_index`, `_simulate`) and component templates (`_component_template`). They are
//! cluster actions (`manage_index_templates`); the store composes, validates and renders.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ironstack_store::StoreError;
use ironstack_store::metadata::{JsonResponse, Metadata, RenderOptions};
use serde_json::Value;

use super::body;
use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::indices::{acknowledged, with_warnings};
use super::params::PathParams;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// `?flat_settings` and `?human` as the template renderers take them.
fn render_options(params: &RenderParams) -> Result<RenderOptions, ApiError> {
    Ok(RenderOptions {
        flat_settings: params.boolean("flat_settings")?,
        human: params.human,
    })
}

/// `DELETE`'s names: comma-separated, each possibly a wildcard.
fn names(path: &PathParams) -> Result<Vec<String>, ApiError> {
    Ok(path
        .required("name")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// A `JsonResponse` of the store's renderers, or for `HEAD` only its status.
/// `GET|HEAD` of one kind of template: `HEAD` answers whether `{name}` matches one (no name:
/// 200), `GET` renders them.
fn get_or_check(
    state: &AppState,
    method: &Method,
    path: &PathParams,
    params: &RenderParams,
    exists: fn(&Metadata, &str) -> bool,
    get: fn(&Metadata, Option<&str>, RenderOptions) -> Result<JsonResponse, StoreError>,
) -> Result<Response, ApiError> {
    let options = render_options(params)?;
    let metadata = documents(state)?.metadata();
    let name = path.get("name");
    if method == Method::HEAD {
        let found = name.is_none_or(|n| exists(&metadata, n));
        return Ok(answer(method, if found { 200 } else { 404 }, Value::Null));
    }
    let response = get(&metadata, name, options)?;
    Ok(answer(method, response.status, response.body))
}

fn answer(method: &Method, status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if method == Method::HEAD {
        return status.into_response();
    }
    EsJson(status, body).into_response()
}

// ---- composable index templates ------------------------------------------------------------

/// `PUT|POST /_index_template/<name>` (`create=true`: refused when the name is taken).
pub(crate) async fn put_index_template(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = path.required("name")?.to_string();
    let body = body::required_json(&body)?;
    let create = params.boolean("create")?;
    let store = documents(&state)?.clone();
    let warnings = blocking(move || {
        let warnings = store.put_index_template(&name, &body, create)?;
        // A managed Stack Monitoring template replaced by an older one comes back.
        crate::monitoring_templates::restore(&store, &[name.as_str()])?;
        Ok::<_, ironstack_store::StoreError>(warnings)
    })
    .await??;
    Ok(with_warnings(acknowledged(), &warnings))
}

/// `GET|HEAD /_index_template[/<name>]`.
pub(crate) async fn get_index_templates(
    State(state): State<Arc<AppState>>,
    method: Method,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    get_or_check(
        &state,
        &method,
        &path,
        &params,
        Metadata::index_template_exists,
        Metadata::get_index_templates,
    )
}

/// `DELETE /_index_template/<names>`.
pub(crate) async fn delete_index_templates(
    State(state): State<Arc<AppState>>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let names = names(&path)?;
    let store = documents(&state)?.clone();
    blocking(move || {
        let managed = crate::monitoring_templates::managed_among(&store, &names);
        store.delete_index_templates(&names)?;
        // Stack Monitoring's templates are managed by the node: they come back.
        crate::monitoring_templates::restore(&store, &managed)
    })
    .await??;
    Ok(acknowledged())
}

/// `POST /_index_template/_simulate_index/<name>`: what an index of that name would get. A
/// template in the body takes part as if it were stored, under a name of its own
/// (`TransportSimulateIndexTemplateAction` adds `simulate_index_template_<uuid>` to a copy of
/// the cluster state); nothing is stored.
pub(crate) async fn simulate_index(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let name = path.required("name")?;
    let options = render_options(&params)?;
    let stored = documents(&state)?.metadata();
    let Some(template) = body::json(&body)? else {
        return Ok(EsJson::ok(stored.simulate_index(name, options)?));
    };
    let mut metadata = (*stored).clone();
    let simulated = format!("simulate_index_template_{}", uuid::Uuid::new_v4().simple());
    metadata.put_index_template(
        &simulated,
        &template,
        false,
        ironstack_types::date::now_millis(),
        &ironstack_store::service::StoreChecks,
    )?;
    let mut response = metadata.simulate_index(name, options)?;
    // The simulated template is no other template's overlap.
    if let Some(Value::Array(overlapping)) = response.get_mut("overlapping") {
        overlapping.retain(|t| t["name"] != simulated.as_str());
    }
    Ok(EsJson::ok(response))
}

/// `POST /_index_template/_simulate[/<name>]`: the template in the body (or the stored one
/// named) resolved with its component templates.
pub(crate) async fn simulate_template(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let options = render_options(&params)?;
    let body = body::json(&body)?;
    let metadata = documents(&state)?.metadata();
    Ok(EsJson::ok(metadata.simulate_template(
        path.get("name"),
        body.as_ref(),
        options,
    )?))
}

// ---- component templates -------------------------------------------------------------------

/// `PUT|POST /_component_template/<name>`.
pub(crate) async fn put_component_template(
    State(state): State<Arc<AppState>>,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let name = path.required("name")?.to_string();
    let body = body::required_json(&body)?;
    let create = params.boolean("create")?;
    let store = documents(&state)?.clone();
    blocking(move || store.put_component_template(&name, &body, create)).await??;
    Ok(acknowledged())
}

/// `GET|HEAD /_component_template[/<name>]`.
pub(crate) async fn get_component_templates(
    State(state): State<Arc<AppState>>,
    method: Method,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    get_or_check(
        &state,
        &method,
        &path,
        &params,
        Metadata::component_template_exists,
        Metadata::get_component_templates,
    )
}

/// `DELETE /_component_template/<names>`: refused while an index template uses one.
pub(crate) async fn delete_component_templates(
    State(state): State<Arc<AppState>>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let names = names(&path)?;
    let store = documents(&state)?.clone();
    blocking(move || store.delete_component_templates(&names)).await??;
    Ok(acknowledged())
}
