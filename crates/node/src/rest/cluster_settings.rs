//! `GET|PUT /_cluster/settings`: the node's dynamic cluster settings (`cluster_settings.rs`
//! owns which exist and keeps the persistent ones), rendered nested or flat as Elasticsearch
//! renders them.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use ironstack_types::{EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::body;
use super::context::blocking;
use super::envelope::RenderParams;
use super::handlers::parse_time_value;
use super::indices::with_warnings;
use super::response::{ApiError, EsJson};
use crate::cluster_settings::{Flat, SettingsError, defaults, flatten};
use crate::state::AppState;

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        let kind = match e {
            SettingsError::IllegalArgument(_) => EsErrorType::IllegalArgument,
            SettingsError::NothingToUpdate => EsErrorType::ActionRequestValidation,
            SettingsError::Persist { .. } => EsErrorType::Internal,
        };
        EsException::new(kind, e.to_string()).into()
    }
}

fn render(settings: &Flat, flat: bool) -> Value {
    ironstack_store::metadata::settings::render_settings(settings, flat)
}

fn timeouts(params: &RenderParams) -> Result<(), ApiError> {
    for name in ["master_timeout", "timeout"] {
        if let Some(t) = params.param(name) {
            parse_time_value(name, t)?;
        }
    }
    Ok(())
}

/// `GET /_cluster/settings` (`flat_settings`, `include_defaults`).
pub(crate) async fn get_settings(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    timeouts(&params)?;
    let flat = params.boolean("flat_settings")?;
    let (persistent, transient) = state.cluster_settings.get();
    let mut body = Map::new();
    body.insert("persistent".into(), render(&persistent, flat));
    body.insert("transient".into(), render(&transient, flat));
    if params.boolean("include_defaults")? {
        let mut all = defaults();
        all.insert(
            "cluster.name".into(),
            json!(state.identity.cluster_name.clone()),
        );
        all.insert("node.name".into(), json!(state.identity.node_name.clone()));
        // What is set is not a default any more.
        all.retain(|k, _| !persistent.contains_key(k) && !transient.contains_key(k));
        body.insert("defaults".into(), render(&all, flat));
    }
    Ok(EsJson::ok(Value::Object(body)))
}

/// Elasticsearch 8's deprecation of transient settings (`RestClusterUpdateSettingsAction`).
const TRANSIENT_DEPRECATED: &str = "[transient settings removal] Updating cluster settings through transientSettings is deprecated. Use persistent settings instead.";

/// `PUT /_cluster/settings` with `{"persistent": {...}, "transient": {...}}`; transient
/// settings get Elasticsearch's deprecation `Warning`.
pub(crate) async fn put_settings(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    timeouts(&params)?;
    let flat = params.boolean("flat_settings")?;
    let request = body::required_json(&bytes)?;
    let Value::Object(request) = request else {
        return Err(body::parse_error("request body must be an object"));
    };
    let mut persistent = Flat::new();
    let mut transient = Flat::new();
    for (key, value) in &request {
        let into = match key.as_str() {
            "persistent" => &mut persistent,
            "transient" => &mut transient,
            other => {
                return Err(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[cluster_update_settings_request] unknown field [{other}]"),
                )
                .into());
            }
        };
        match value {
            Value::Object(m) => *into = flatten(m, key)?,
            Value::Null => {}
            _ => {
                return Err(EsException::new(
                    EsErrorType::XContentParse,
                    format!("[cluster_update_settings_request] {key} doesn't support values of type: VALUE_STRING"),
                )
                .into());
            }
        }
    }
    let warnings: Vec<String> = if transient.is_empty() {
        Vec::new()
    } else {
        vec![TRANSIENT_DEPRECATED.to_string()]
    };
    let settings = state.clone();
    let updated =
        blocking(move || settings.cluster_settings.update(&persistent, &transient)).await??;
    let body = EsJson::ok(json!({
        "acknowledged": true,
        "persistent": render(&updated.persistent, flat),
        "transient": render(&updated.transient, flat),
    }));
    Ok(with_warnings(body, &warnings))
}
