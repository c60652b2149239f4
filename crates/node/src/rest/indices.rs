//! The index administration APIs: create, delete, get and check indices (`PUT|DELETE|GET|HEAD
//! /<index>`), open and close them, refresh them, their mappings (`_mapping`,
//! `_mapping/field`) and settings (`_settings`), and aliases (`_aliases`, `_alias`). Every
//! index expression reaches the handlers already expanded by the security gate to the names
//! the caller may use; alias changes are authorized on the alias names too, and what a
//! caller reads of a mapping is trimmed to the fields its role lets it read.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use ironstack_security::gate::{IndexExpression, SecuredRequest};
use ironstack_security::rbac::{FieldAccess, IndexAccess};
use ironstack_store::StoreError;
use ironstack_store::mapping::settings::Settings;
use ironstack_store::metadata::aliases::validate_alias_standalone;
use ironstack_types::index_space::{AbstractionKind, IndexSpace, IndicesOptions, is_wildcard};
use ironstack_types::wildcard::simple_match;
use ironstack_types::{EsException, info};
use serde_json::{Map, Value, json};

use super::body;
use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::handlers::BUILD_HASH;
use super::params::PathParams;
use super::pipeline::{Granted, RequestView};
use super::response::{ApiError, EsJson};
use super::search::existing_names;
use crate::state::AppState;

// ---- shared with the other index APIs -----------------------------------------------------

/// A JSON response carrying Elasticsearch's `Warning` headers (`299 Elasticsearch-<version>-
/// <build> "<text>"`, `HeaderWarning.formatWarning`), one per message.
pub(crate) fn with_warnings(response: EsJson, warnings: &[String]) -> Response {
    let mut response = response.into_response();
    for warning in warnings {
        let escaped: String = warning
            .chars()
            .flat_map(|c| match c {
                '\\' | '"' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let text = format!(
            "299 Elasticsearch-{}-{} \"{}\"",
            info::ES_VERSION,
            BUILD_HASH,
            escaped
        );
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().append("warning", value);
        }
    }
    response
}

/// `{"acknowledged":true}`.
pub(crate) fn acknowledged() -> EsJson {
    EsJson::ok(json!({"acknowledged": true}))
}

/// The concrete indices a granted request reached (aliases and data streams replaced by
/// theirs), sorted; a missing explicit name is `index_not_found_exception` unless the
/// request ignores unavailable indices.
pub(crate) fn granted_concrete(
    granted: &Granted,
    space: &IndexSpace,
) -> Result<Vec<String>, ApiError> {
    let names = existing_names(granted, space)?;
    let mut indices = space.concrete_indices(&names);
    indices.sort();
    Ok(indices)
}

/// What the caller may read of `index` for the granted action (everything without security).
pub(crate) fn field_access(
    state: &AppState,
    granted: &Granted,
    space: &IndexSpace,
    index: &str,
) -> Result<IndexAccess, ApiError> {
    match &state.gate {
        Some(gate) => Ok(gate.read_access(granted, space, index)?),
        None => Ok(IndexAccess::unrestricted()),
    }
}

/// A mapping as a caller with field-level security sees it: the fields (and multi-fields)
/// it may not read are gone, and so are objects left without any field, as Elasticsearch's
/// field filter trims `GET _mapping`.
pub(crate) fn filter_mapping(mapping: &Value, fields: &FieldAccess) -> Value {
    if fields.is_unrestricted() {
        return mapping.clone();
    }
    let Value::Object(root) = mapping else {
        return mapping.clone();
    };
    let mut out = root.clone();
    if let Some(Value::Object(properties)) = root.get("properties") {
        out.insert(
            "properties".into(),
            Value::Object(filter_properties(properties, "", fields)),
        );
    }
    if let Some(Value::Object(runtime)) = root.get("runtime") {
        let kept: Map<String, Value> = runtime
            .iter()
            .filter(|(name, _)| fields.allows(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.insert("runtime".into(), Value::Object(kept));
    }
    Value::Object(out)
}

fn filter_properties(
    properties: &Map<String, Value>,
    prefix: &str,
    fields: &FieldAccess,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, definition) in properties {
        let path = format!("{prefix}{name}");
        let Value::Object(def) = definition else {
            continue;
        };
        if let Some(Value::Object(children)) = def.get("properties") {
            let kept = filter_properties(children, &format!("{path}."), fields);
            if !kept.is_empty() {
                let mut def = def.clone();
                def.insert("properties".into(), Value::Object(kept));
                out.insert(name.clone(), Value::Object(def));
            }
            continue;
        }
        let sub_fields: Option<Map<String, Value>> = match def.get("fields") {
            Some(Value::Object(subs)) => Some(
                subs.iter()
                    .filter(|(sub, _)| fields.allows(&format!("{path}.{sub}")))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => None,
        };
        let leaf_allowed = fields.allows(&path);
        match sub_fields {
            Some(subs) if leaf_allowed || !subs.is_empty() => {
                let mut def = def.clone();
                if subs.is_empty() {
                    def.remove("fields");
                } else {
                    def.insert("fields".into(), Value::Object(subs));
                }
                out.insert(name.clone(), Value::Object(def));
            }
            None if leaf_allowed => {
                out.insert(name.clone(), definition.clone());
            }
            _ => {}
        }
    }
    out
}

/// `wait_for_active_shards`: `all`, `index-setting` or a count, as `ActiveShardCount.parseString`
/// reads it. Whether this node can acknowledge it: only the primary is ever active.
/// The most shard copies any of `indices` has (what `wait_for_active_shards: all` waits for).
fn most_shard_copies(store: &ironstack_store::service::StoreService, indices: &[String]) -> u64 {
    indices
        .iter()
        .map(|i| store.shard_copies(i))
        .max()
        .unwrap_or(1)
}

fn shards_acknowledged(params: &RenderParams, copies: u64) -> Result<bool, ApiError> {
    let Some(value) = params.param("wait_for_active_shards") else {
        return Ok(true);
    };
    let wanted = match value {
        "all" => copies,
        "index-setting" | "" => 1,
        n => match n.parse::<i64>() {
            Ok(n) if n >= 0 => u64::try_from(n).unwrap_or(u64::MAX),
            _ => {
                return Err(ApiError::illegal_argument(format!(
                    "cannot parse ActiveShardCount[{value}]"
                )));
            }
        },
    };
    Ok(wanted <= 1)
}

/// `?flat_settings`, `?include_defaults` and `?human` of the GET APIs.
struct SettingsView {
    flat: bool,
    defaults: bool,
    human: bool,
}

impl SettingsView {
    fn of(params: &RenderParams) -> Result<Self, ApiError> {
        Ok(Self {
            flat: params.boolean("flat_settings")?,
            defaults: params.boolean("include_defaults")?,
            human: params.human,
        })
    }

    /// An index's settings, rendered, restricted to `names` (wildcards) when given; `None`
    /// for the defaults part when not asked for.
    fn render(
        &self,
        flat: &Map<String, Value>,
        names: Option<&[String]>,
    ) -> (Map<String, Value>, Option<Map<String, Value>>) {
        let keep = |key: &str| names.is_none_or(|n| n.iter().any(|p| simple_match(p, key)));
        let selected: Map<String, Value> = flat
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut settings = Settings::from_flat(selected.clone())
            .map(|s| s.render(self.flat))
            .unwrap_or_else(|_| Value::Object(selected.clone()));
        // `?human` adds the creation date as text next to the millis; it is no setting, so
        // it joins the rendered settings rather than passing their validation.
        if self.human
            && keep("index.creation_date_string")
            && let Some(date) = flat
                .get("index.creation_date")
                .and_then(Value::as_str)
                .and_then(|d| d.parse::<i64>().ok())
                .and_then(|ms| ironstack_types::date::timestamp_from_millis(ms).ok())
        {
            let text = json!(ironstack_types::date::format_iso_millis(date));
            if self.flat {
                if let Value::Object(map) = &mut settings {
                    map.insert("index.creation_date_string".into(), text);
                }
            } else if let Some(Value::Object(index)) = settings.get_mut("index") {
                index.insert("creation_date_string".into(), text);
            }
        }
        let defaults = self.defaults.then(|| {
            let all = Settings::from_flat(flat.clone()).ok();
            let rendered = all
                .map(|s| s.render_defaults(true))
                .unwrap_or_else(|| json!({}));
            let kept: Map<String, Value> = rendered
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| keep(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if self.flat {
                kept
            } else {
                match Settings::from_flat(kept.clone()) {
                    Ok(s) => s.render(false).as_object().cloned().unwrap_or_default(),
                    Err(_) => nest(&kept),
                }
            }
        });
        (settings.as_object().cloned().unwrap_or_default(), defaults)
    }
}

/// Dotted keys as nested objects (defaults that do not validate as a whole).
fn nest(flat: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in flat {
        let mut node = &mut out;
        let parts: Vec<&str> = key.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            if i + 1 == parts.len() {
                node.insert((*part).to_string(), value.clone());
            } else {
                let entry = node
                    .entry((*part).to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                let Value::Object(next) = entry else {
                    break;
                };
                node = next;
            }
        }
    }
    out
}

// ---- PUT / DELETE / GET / HEAD /<index> ----------------------------------------------------

/// `PUT /<index>`: settings, mappings and aliases, after the matching template.
pub(crate) async fn create_index(
    State(state): State<Arc<AppState>>,
    _granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let name = super::documents::target_name(&path)?;
    let body = body::json(&body)?.unwrap_or(Value::Null);
    let store = documents(&state)?.clone();
    let created = {
        let store = store.clone();
        blocking(move || store.create_index(&name, &body)).await??
    };
    let acknowledged = shards_acknowledged(&params, store.shard_copies(&created.index))?;
    let response = EsJson::ok(json!({
        "acknowledged": true,
        "shards_acknowledged": acknowledged,
        "index": created.index,
    }));
    Ok(with_warnings(response, &created.warnings))
}

/// `DELETE /<index>`: concrete indices only (an alias or data stream name is refused, as
/// `action.destructive_requires_name` refuses wildcards); a data stream's write index stays.
pub(crate) async fn delete_index(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let mut names = Vec::new();
    for name in existing_names(&granted, &space)? {
        match space.get(&name).map(|a| a.kind) {
            Some(AbstractionKind::Alias) => {
                return Err(ApiError::illegal_argument(format!(
                    "The provided expression [{name}] matches an alias, specify the corresponding concrete indices instead."
                )));
            }
            Some(AbstractionKind::DataStream) => {
                return Err(ApiError::illegal_argument(format!(
                    "The provided expression [{name}] matches a data stream, specify the corresponding concrete indices instead."
                )));
            }
            _ => names.push(name),
        }
    }
    if !names.is_empty() {
        blocking(move || store.delete_indices(&names)).await??;
    }
    Ok(acknowledged())
}

/// `features`: which parts `GET /<index>` shows.
#[derive(Debug, Clone, Copy)]
struct Features {
    aliases: bool,
    mappings: bool,
    settings: bool,
}

fn features(params: &RenderParams) -> Result<Features, ApiError> {
    let Some(list) = params.param("features") else {
        return Ok(Features {
            aliases: true,
            mappings: true,
            settings: true,
        });
    };
    let mut out = Features {
        aliases: false,
        mappings: false,
        settings: false,
    };
    let mut invalid = Vec::new();
    for feature in list.split(',') {
        match feature.to_lowercase().as_str() {
            "aliases" => out.aliases = true,
            "mappings" => out.mappings = true,
            "settings" => out.settings = true,
            _ => invalid.push(feature),
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::illegal_argument(format!(
            "Invalid features specified [{}]",
            invalid.join(",")
        )));
    }
    Ok(out)
}

/// `GET /<index>` (and `HEAD`: 200 when it reaches an index, 404 otherwise).
pub(crate) async fn get_index(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    method: Method,
    Extension(params): Extension<RenderParams>,
) -> Result<Response, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let indices = granted_concrete(&granted, &space)?;
    if method == Method::HEAD {
        let status = if indices.is_empty() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        return Ok(status.into_response());
    }
    let features = features(&params)?;
    let view = SettingsView::of(&params)?;
    let metadata = store.metadata();
    let mut out = Map::new();
    for index in &indices {
        let info = match store.backend().index_info(index) {
            Ok(info) => info,
            Err(StoreError::IndexNotFound { .. }) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut entry = Map::new();
        let aliases: Map<String, Value> = if features.aliases {
            metadata
                .index_aliases(index)
                .map(|a| a.iter().map(|(n, md)| (n.clone(), md.to_json())).collect())
                .unwrap_or_default()
        } else {
            Map::new()
        };
        entry.insert("aliases".into(), Value::Object(aliases));
        let mappings = if features.mappings {
            let access = field_access(&state, &granted, &space, index)?;
            filter_mapping(&info.mappings, &access.fields)
        } else {
            json!({})
        };
        entry.insert("mappings".into(), mappings);
        let (settings, defaults) = if features.settings {
            view.render(&info.settings, None)
        } else {
            (Map::new(), None)
        };
        entry.insert("settings".into(), Value::Object(settings));
        if let Some(defaults) = defaults.filter(|d| !d.is_empty()) {
            entry.insert("defaults".into(), Value::Object(defaults));
        }
        if let Some(ds) = space.parent_data_stream(index) {
            entry.insert("data_stream".into(), json!(ds));
        }
        out.insert(index.clone(), Value::Object(entry));
    }
    Ok(EsJson::ok(Value::Object(out)).into_response())
}

// ---- open / close / refresh -----------------------------------------------------------------

/// `POST /<index>/_open`.
pub(crate) async fn open_index(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let indices = granted_concrete(&granted, &store.space())?;
    let copies = most_shard_copies(&store, &indices);
    let acknowledged = shards_acknowledged(&params, copies)?;
    blocking(move || store.open_indices(&indices)).await??;
    Ok(EsJson::ok(
        json!({"acknowledged": true, "shards_acknowledged": acknowledged}),
    ))
}

/// `POST /<index>/_close`: `indices` lists the ones this request closed.
pub(crate) async fn close_index(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let indices = granted_concrete(&granted, &store.space())?;
    let copies = most_shard_copies(&store, &indices);
    let wanted = shards_acknowledged(&params, copies)?;
    let closed = blocking(move || store.close_indices(&indices)).await??;
    let per_index: Map<String, Value> = closed
        .iter()
        .map(|i| (i.clone(), json!({"closed": true})))
        .collect();
    Ok(EsJson::ok(json!({
        "acknowledged": true,
        "shards_acknowledged": wanted && !closed.is_empty(),
        "indices": per_index,
    })))
}

/// `POST [/<index>]/_refresh`: every shard copy counted, the primaries refreshed.
pub(crate) async fn refresh(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let indices = granted_concrete(&granted, &store.space())?;
    let total: u64 = indices.iter().map(|i| store.shard_copies(i)).sum();
    let successful = indices.len();
    blocking(move || store.refresh_indices(&indices)).await??;
    Ok(EsJson::ok(json!({
        "_shards": {"total": total, "successful": successful, "failed": 0}
    })))
}

// ---- mappings -------------------------------------------------------------------------------

/// `GET [/<index>]/_mapping`.
pub(crate) async fn get_mapping(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let mut out = Map::new();
    for index in granted_concrete(&granted, &space)? {
        let Ok(info) = store.backend().index_info(&index) else {
            continue;
        };
        let access = field_access(&state, &granted, &space, &index)?;
        out.insert(
            index,
            json!({"mappings": filter_mapping(&info.mappings, &access.fields)}),
        );
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// Every leaf field of a mapping (multi-fields and aliases included), with its full path,
/// its own name and its definition, as the field mapping API lists them.
fn mapped_fields(mapping: &Value) -> Vec<(String, String, Value)> {
    fn walk(properties: &Map<String, Value>, prefix: &str, out: &mut Vec<(String, String, Value)>) {
        for (name, definition) in properties {
            let path = format!("{prefix}{name}");
            if let Some(Value::Object(children)) = definition.get("properties") {
                walk(children, &format!("{path}."), out);
                continue;
            }
            if definition.get("type").and_then(Value::as_str) == Some("object")
                || definition.get("type").and_then(Value::as_str) == Some("nested")
            {
                continue;
            }
            if let Some(Value::Object(subs)) = definition.get("fields") {
                for (sub, sub_def) in subs {
                    out.push((format!("{path}.{sub}"), sub.clone(), sub_def.clone()));
                }
            }
            out.push((path, name.clone(), definition.clone()));
        }
    }
    let mut out = Vec::new();
    if let Some(Value::Object(properties)) = mapping.get("properties") {
        walk(properties, "", &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// `GET [/<index>]/_mapping/field/<fields>`: each matching field's definition.
pub(crate) async fn get_field_mapping(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let patterns: Vec<String> = path
        .required("fields")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let store = documents(&state)?.clone();
    let space = store.space();
    let mut out = Map::new();
    for index in granted_concrete(&granted, &space)? {
        let Ok(info) = store.backend().index_info(&index) else {
            continue;
        };
        let access = field_access(&state, &granted, &space, &index)?;
        let mut fields = Map::new();
        for (full, leaf, definition) in mapped_fields(&info.mappings) {
            let wanted = patterns
                .iter()
                .any(|p| p == &full || (is_wildcard(p) && simple_match(p, &full)));
            if wanted && access.fields.allows(&full) {
                let mut mapping = Map::new();
                mapping.insert(leaf, definition);
                fields.insert(full.clone(), json!({"full_name": full, "mapping": mapping}));
            }
        }
        out.insert(index, json!({"mappings": fields}));
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// `PUT|POST /<index>/_mapping`.
pub(crate) async fn put_mapping(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let mapping = body::required_json(&body)?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let names = existing_names(&granted, &space)?;
    let indices = if params.boolean("write_index_only")? {
        let mut out: Vec<String> = names
            .iter()
            .filter_map(|n| space.get(n).and_then(|a| a.write_index.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    } else {
        granted_concrete(&granted, &space)?
    };
    blocking(move || store.put_mapping(&indices, &mapping)).await??;
    Ok(acknowledged())
}

// ---- settings -------------------------------------------------------------------------------

/// `GET [/<index>]/_settings[/<name>]`: indices without a matching setting are left out.
pub(crate) async fn get_settings(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let names: Option<Vec<String>> = path.names("name");
    let view = SettingsView::of(&params)?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let mut out = Map::new();
    for index in granted_concrete(&granted, &space)? {
        let Ok(info) = store.backend().index_info(&index) else {
            continue;
        };
        let (settings, defaults) = view.render(&info.settings, names.as_deref());
        let defaults = defaults.filter(|d| !d.is_empty());
        if settings.is_empty() && defaults.is_none() {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("settings".into(), Value::Object(settings));
        if let Some(d) = defaults {
            entry.insert("defaults".into(), Value::Object(d));
        }
        out.insert(index, Value::Object(entry));
    }
    Ok(EsJson::ok(Value::Object(out)))
}

/// `PUT [/<index>]/_settings` (`{"settings":{..}}`, `{"index":{..}}` or flat keys);
/// `preserve_existing` leaves the settings an index already has.
pub(crate) async fn put_settings(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let body = body::required_json(&body)?;
    let Value::Object(mut map) = body else {
        return Err(body::parse_error("request body must be an object"));
    };
    if map.len() == 1
        && let Some(Value::Object(inner)) = map.get("settings")
    {
        map = inner.clone();
    }
    let flat = Settings::normalize(&Value::Object(map))?;
    if flat.is_empty() {
        return Err(StoreError::Validation(vec!["no settings to update".into()]).into());
    }
    let preserve = params.boolean("preserve_existing")?;
    let store = documents(&state)?.clone();
    let indices = granted_concrete(&granted, &store.space())?;
    blocking(move || {
        if !preserve {
            return store.put_settings(&indices, &flat);
        }
        for index in &indices {
            let existing = store.backend().index_info(index)?.settings;
            let missing: Map<String, Value> = flat
                .iter()
                .filter(|(k, _)| !existing.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !missing.is_empty() {
                store.put_settings(std::slice::from_ref(index), &missing)?;
            }
        }
        Ok(())
    })
    .await??;
    Ok(acknowledged())
}

// ---- aliases --------------------------------------------------------------------------------

/// An index expression over `expressions` with the request's options (what the gate
/// expands and authorizes).
fn expression(
    r: &RequestView<'_>,
    expressions: Vec<String>,
    options: IndicesOptions,
) -> Result<SecuredRequest, ApiError> {
    let options = options
        .with_params(|k| r.query.param(k))
        .map_err(|e| ApiError::from(EsException::from_code(&e)))?;
    Ok(SecuredRequest::on_indices(
        r.action,
        IndexExpression {
            expressions,
            options,
            space: r.space.cloned().unwrap_or_default(),
        },
    ))
}

/// Comma-separated names of a path parameter (empty when absent).
fn param_list(params: &PathParams, name: &str) -> Vec<String> {
    params
        .get(name)
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `_all` as the resolver reads a wildcard (it may only stand alone as a whole expression).
fn as_pattern(name: &str) -> String {
    if name == "_all" {
        "*".to_string()
    } else {
        name.to_string()
    }
}

/// Options of alias changes: wildcards reach open indices (and hidden ones through a dot);
/// what reaches nothing is the store's error, after authorization.
const ALIAS_CHANGE: IndicesOptions = IndicesOptions {
    ignore_unavailable: false,
    allow_no_indices: true,
    expand_wildcards: ironstack_types::index_space::ExpandWildcards::OPEN,
    ignore_aliases: false,
    forbid_wildcards: false,
};

/// Options of alias reads (`strictExpandHidden`): open, closed and hidden indices.
const ALIAS_READ: IndicesOptions = IndicesOptions {
    ignore_unavailable: false,
    allow_no_indices: true,
    expand_wildcards: ironstack_types::index_space::ExpandWildcards::ALL,
    ignore_aliases: false,
    forbid_wildcards: false,
};

/// The `_aliases` body a request stands for. `bulk`: the body is already one (`POST
/// _aliases`); otherwise the path's index and alias names with the body's properties form one
/// `add` (or, with `remove`, one `remove`) action.
fn alias_actions_body(
    params: &PathParams,
    bulk: bool,
    body: &Bytes,
    remove: bool,
) -> Result<Value, ApiError> {
    if bulk {
        return body::required_json(body);
    }
    let indices = param_list(params, "index");
    let aliases = param_list(params, "name");
    if remove {
        return Ok(json!({"actions": [{"remove": {"indices": indices, "aliases": aliases}}]}));
    }
    let mut add = Map::new();
    if let Some(Value::Object(properties)) = body::json(body)? {
        for (key, value) in properties {
            match key.as_str() {
                "filter" | "routing" | "index_routing" | "indexRouting" | "index-routing"
                | "search_routing" | "searchRouting" | "search-routing" | "is_write_index"
                | "is_hidden" => {
                    add.insert(key, value);
                }
                // The path names them; Elasticsearch reads them from the body only without.
                "index" | "indices" | "alias" | "aliases" => {}
                other => {
                    return Err(ApiError::illegal_argument(format!(
                        "Unsupported field [{other}]"
                    )));
                }
            }
        }
    }
    add.insert("indices".into(), json!(indices));
    add.insert("aliases".into(), json!(aliases));
    Ok(json!({"actions": [{"add": Value::Object(add)}]}))
}

/// What the gate authorizes for an alias change: `indices:admin/aliases` on every index and
/// every alias name the actions name (`IndicesAliasesRequest` is an `AliasesRequest`: its
/// aliases are authorized like indices). Explicit alias names are checked as given (a new
/// alias must be allowed by name); wildcard alias names reach only aliases the caller may
/// manage. The body is validated first, as Elasticsearch validates before authorizing.
pub(crate) fn alias_change_target(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    // `POST _aliases` names nothing in its path: its body is the actions.
    let bulk = r.params.get("name").is_none();
    let body = alias_actions_body(r.params, bulk, r.body, false)?;
    let actions = ironstack_store::metadata::aliases::parse_alias_actions(&body)?;
    change_expression(r, &actions)
}

/// [`alias_change_target`] for `DELETE /<index>/_alias/<name>`.
pub(crate) fn alias_delete_target(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    let body = alias_actions_body(r.params, false, r.body, true)?;
    let actions = ironstack_store::metadata::aliases::parse_alias_actions(&body)?;
    change_expression(r, &actions)
}

fn change_expression(
    r: &RequestView<'_>,
    actions: &[ironstack_store::metadata::AliasAction],
) -> Result<SecuredRequest, ApiError> {
    use ironstack_store::metadata::aliases::AliasActionKind;
    let now = ironstack_types::date::Timestamp::now();
    let mut expressions: Vec<String> = Vec::new();
    for action in actions {
        expressions.extend(action.indices.iter().map(|i| as_pattern(i)));
        for alias in &action.aliases {
            let alias = if action.kind == AliasActionKind::Add {
                // A new alias is checked by name, date math resolved, before authorization.
                let resolved = ironstack_types::date_math_name::resolve(alias, now)
                    .map_err(|e| ApiError::from(EsException::from_code(&e)))?;
                validate_alias_standalone(&resolved, None)?;
                resolved
            } else {
                as_pattern(alias)
            };
            expressions.push(alias);
        }
    }
    expressions.dedup();
    expression(r, expressions, ALIAS_CHANGE)
}

/// The names the gate authorized that are aliases.
fn authorized_aliases(granted: &Granted, space: &IndexSpace) -> BTreeSet<String> {
    granted
        .indices()
        .iter()
        .filter(|n| {
            space
                .get(n)
                .is_some_and(|a| a.kind == AbstractionKind::Alias)
        })
        .cloned()
        .collect()
}

/// Index expressions of an action restricted to what the gate authorized: wildcards become
/// the authorized names they reach (none: `index_not_found_exception` for the expression,
/// never an unauthorized index), explicit names stay (the gate allowed each).
fn restrict_indices(
    expressions: &[String],
    granted: &BTreeSet<&str>,
    space: &IndexSpace,
) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    for expression in expressions {
        let pattern = as_pattern(expression);
        if !is_wildcard(&pattern) {
            out.push(expression.clone());
            continue;
        }
        let reached: Vec<String> = granted
            .iter()
            .filter(|n| simple_match(&pattern, n))
            .filter(|n| {
                space.get(n).is_some_and(|a| {
                    matches!(a.kind, AbstractionKind::Index | AbstractionKind::DataStream)
                })
            })
            .map(|n| n.to_string())
            .collect();
        if reached.is_empty() {
            return Err(ironstack_types::index_space::index_not_found(expression).into());
        }
        out.extend(reached);
    }
    out.dedup();
    Ok(out)
}

/// `IndicesAndAliasesResolver.replaceWildcardsWithAuthorizedAliases`: wildcard alias names
/// become the authorized aliases they match (`-pattern` after a wildcard excludes); explicit
/// names stay; nothing left is `*,-*` (matches nothing).
fn restrict_aliases(patterns: &[String], authorized: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut wildcard_seen = false;
    for pattern in patterns {
        let pattern = as_pattern(pattern);
        if wildcard_seen && let Some(excluded) = pattern.strip_prefix('-') {
            out.retain(|a| !simple_match(excluded, a));
            continue;
        }
        if is_wildcard(&pattern) {
            wildcard_seen = true;
            for alias in authorized {
                if simple_match(&pattern, alias) && !out.contains(alias) {
                    out.push(alias.clone());
                }
            }
        } else if !out.contains(&pattern) {
            out.push(pattern);
        }
    }
    if out.is_empty() {
        vec!["*".into(), "-*".into()]
    } else {
        out
    }
}

/// Applies alias actions restricted to what the gate authorized.
async fn apply_alias_actions(
    state: &AppState,
    granted: &Granted,
    body: Value,
) -> Result<EsJson, ApiError> {
    use ironstack_store::metadata::aliases::AliasActionKind;
    let store = documents(state)?.clone();
    let space = store.space();
    let names: BTreeSet<&str> = granted.indices().iter().map(String::as_str).collect();
    let aliases = authorized_aliases(granted, &space);
    // One action object stands for a list of one, as Elasticsearch's parser reads it.
    let raw_actions: Vec<Value> = match body.get("actions") {
        Some(Value::Array(items)) => items.clone(),
        Some(item @ Value::Object(_)) => vec![item.clone()],
        _ => Vec::new(),
    };
    let parsed = ironstack_store::metadata::aliases::parse_alias_actions(&body)?;
    let mut restricted = Vec::with_capacity(raw_actions.len());
    for (raw, action) in raw_actions.into_iter().zip(&parsed) {
        let indices = restrict_indices(&action.indices, &names, &space)?;
        let Value::Object(outer) = raw else {
            continue;
        };
        let Some((kind, Value::Object(mut fields))) = outer.into_iter().next() else {
            continue;
        };
        fields.remove("index");
        fields.insert("indices".into(), json!(indices));
        if action.kind == AliasActionKind::Remove {
            fields.remove("alias");
            fields.insert(
                "aliases".into(),
                json!(restrict_aliases(&action.aliases, &aliases)),
            );
        }
        let mut one = Map::new();
        one.insert(kind, Value::Object(fields));
        restricted.push(Value::Object(one));
    }
    let body = json!({"actions": restricted});
    let response = blocking(move || store.update_aliases(&body)).await??;
    Ok(EsJson::ok(response))
}

/// `POST /_aliases`.
pub(crate) async fn update_aliases(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let body = body::required_json(&body)?;
    apply_alias_actions(&state, &granted, body).await
}

/// `PUT|POST /<index>/_alias[es]/<name>`: body `filter`, `routing`, `index_routing`,
/// `search_routing`, `is_write_index`, `is_hidden`.
pub(crate) async fn put_alias(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let body = alias_actions_body(&path, false, &body, false)?;
    apply_alias_actions(&state, &granted, body).await
}

/// `DELETE /<index>/_alias[es]/<name>`.
pub(crate) async fn delete_alias(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let body = alias_actions_body(&path, false, &Bytes::new(), true)?;
    apply_alias_actions(&state, &granted, body).await
}

/// What the gate authorizes for an alias read: the index expression (every index when none)
/// and the alias names, as for a change.
pub(crate) fn alias_read_target(r: &RequestView<'_>) -> Result<SecuredRequest, ApiError> {
    let mut expressions: Vec<String> = param_list(r.params, "index")
        .iter()
        .map(|i| as_pattern(i))
        .collect();
    if expressions.is_empty() {
        expressions.push("*".into());
    }
    let names = param_list(r.params, "name");
    if names.is_empty() {
        // Every alias of the indices is listed: the gate reaches the ones the caller may see.
        expressions.push("*".into());
    }
    expressions.extend(names.iter().map(|a| as_pattern(a)));
    expressions.dedup();
    expression(r, expressions, ALIAS_READ)
}

/// `GET [/<index>]/_alias[/<name>]`, and `HEAD` (200 when an alias matched, 404 otherwise).
pub(crate) async fn get_aliases(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    method: Method,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let index_patterns: Vec<String> = match param_list(&path, "index") {
        list if list.is_empty() => vec!["*".into()],
        list => list.iter().map(|i| as_pattern(i)).collect(),
    };
    let names_param = path.get("name").map(|_| param_list(&path, "name"));
    let mut indices: Vec<String> = Vec::new();
    let mut data_streams: Vec<String> = Vec::new();
    for name in granted.indices() {
        let named = index_patterns.iter().any(|p| p == name);
        let Some(abstraction) = space.get(name) else {
            // An index named explicitly must exist; a missing alias name is the 404 below.
            if named {
                return Err(ironstack_types::index_space::index_not_found(name).into());
            }
            continue;
        };
        let reached = named
            || index_patterns
                .iter()
                .any(|p| is_wildcard(p) && simple_match(p, name));
        if !reached {
            continue;
        }
        match abstraction.kind {
            AbstractionKind::DataStream => data_streams.push(name.clone()),
            _ => {
                for index in &abstraction.indices {
                    if !indices.contains(index) {
                        indices.push(index.clone());
                    }
                }
            }
        }
    }
    indices.sort();
    data_streams.sort();
    let authorized = authorized_aliases(&granted, &space);
    let metadata = store.metadata();
    let response = match &names_param {
        Some(patterns) => {
            let restricted = restrict_aliases(patterns, &authorized);
            if method == Method::HEAD {
                let found = metadata.aliases_exist(&indices, &data_streams, &restricted);
                let status = if found {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                return Ok(EsJson(status, json!({})));
            }
            metadata.get_aliases(&indices, &data_streams, Some(&restricted))
        }
        None => {
            let mut response = metadata.get_aliases(&indices, &data_streams, None);
            // Without names every alias of the indices is listed: only those the caller
            // may see.
            if let Value::Object(entries) = &mut response.body {
                for entry in entries.values_mut() {
                    if let Some(Value::Object(aliases)) = entry.get_mut("aliases") {
                        aliases.retain(|alias, _| authorized.contains(alias));
                    }
                }
            }
            if method == Method::HEAD {
                let status = if response.body.as_object().is_some_and(|m| !m.is_empty()) {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                return Ok(EsJson(status, json!({})));
            }
            response
        }
    };
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    Ok(EsJson(status, response.body))
}
