//! Data streams and what spans indices: `_data_stream` create, get, delete and `_stats`,
//! `_rollover` (data streams and aliases, `dry_run`, `lazy`), `_resolve/index` and
//! `_field_caps` (each index's mapped fields merged per type, as Elasticsearch merges them).
//! Names reach the handlers expanded by the gate to what the caller may use.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use ironstack_store::mapping::Mapping;
use ironstack_types::index_space::{AbstractionKind, IndexSpace, index_not_found, is_wildcard};
use ironstack_types::wildcard::simple_match;
use serde_json::{Map, Value, json};

use super::body;
use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::indices::{acknowledged, field_access, granted_concrete};
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::existing_names;
use crate::state::AppState;

/// The explicit (non-wildcard) names of the `{index}` path parameter.
fn explicit_names(path: &PathParams) -> Vec<String> {
    path.get("index")
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty() && *s != "_all" && !s.starts_with('-'))
                .filter(|s| !is_wildcard(s))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The data streams a granted request reached; an explicit name that is not a data stream is
/// `index_not_found_exception`, as `DataStreamsActionUtil` resolves it.
fn granted_data_streams(
    granted: &Granted,
    space: &IndexSpace,
    path: &PathParams,
) -> Result<Vec<String>, ApiError> {
    let names = existing_names(granted, space)?;
    for explicit in explicit_names(path) {
        let is_stream = space
            .get(&explicit)
            .is_some_and(|a| a.kind == AbstractionKind::DataStream);
        if !is_stream && names.contains(&explicit) {
            return Err(index_not_found(&explicit).into());
        }
    }
    let mut streams: Vec<String> = names
        .into_iter()
        .filter(|n| {
            space
                .get(n)
                .is_some_and(|a| a.kind == AbstractionKind::DataStream)
        })
        .collect();
    streams.sort();
    streams.dedup();
    Ok(streams)
}

// ---- _data_stream ---------------------------------------------------------------------------

/// `PUT /_data_stream/<name>`: needs a matching index template with `data_stream`.
pub(crate) async fn create_data_stream(
    State(state): State<Arc<AppState>>,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let name = super::documents::target_name(&path)?;
    let store = documents(&state)?.clone();
    blocking(move || store.create_data_stream(&name)).await??;
    Ok(acknowledged())
}

/// `GET /_data_stream[/<names>]`.
pub(crate) async fn get_data_streams(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let streams = granted_data_streams(&granted, &space, &path)?;
    if streams.is_empty() {
        return Ok(EsJson::ok(json!({"data_streams": []})));
    }
    let body = store
        .metadata()
        .get_data_streams(&streams, true, &store.concrete())?;
    Ok(EsJson::ok(body))
}

/// `DELETE /_data_stream/<names>`: the streams and their backing indices.
pub(crate) async fn delete_data_streams(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let streams = granted_data_streams(&granted, &store.space(), &path)?;
    if !streams.is_empty() {
        blocking(move || store.delete_data_streams(&streams, true)).await??;
    }
    Ok(acknowledged())
}

/// `GET /_data_stream[/<names>]/_stats`: per stream its backing indices, store size and
/// greatest `@timestamp`, from the backend.
pub(crate) async fn data_stream_stats(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let streams = granted_data_streams(&granted, &store.space(), &path)?;
    let human = params.human;
    let body = blocking(move || {
        let stats = store.backing_index_stats();
        if streams.is_empty() {
            let mut empty = json!({
                "_shards": {"total": 0, "successful": 0, "failed": 0},
                "data_stream_count": 0,
                "backing_indices": 0,
                "total_store_size_bytes": 0,
                "data_streams": [],
            });
            if human {
                empty["total_store_size"] =
                    json!(ironstack_store::metadata::rollover::format_bytes(0));
            }
            return Ok(empty);
        }
        store
            .metadata()
            .data_stream_stats(&streams, true, &stats, human)
    })
    .await??;
    Ok(EsJson::ok(body))
}

// ---- _rollover ------------------------------------------------------------------------------

/// `POST /<alias or data stream>/_rollover[/<new_index>]` (`dry_run`, `lazy`;
/// `wait_for_active_shards` accepted).
pub(crate) async fn rollover(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let body = body::json(&body)?.unwrap_or_else(|| json!({}));
    let dry_run = params.boolean("dry_run")?;
    let lazy = params.boolean("lazy")?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let Some(target) = existing_names(&granted, &space)?.into_iter().next() else {
        return Err(index_not_found(path.get("index").unwrap_or_default()).into());
    };
    let new_index = path.get("new_index").map(str::to_string);
    if lazy && new_index.is_some() {
        return Err(ApiError::illegal_argument(
            "new index name is not supported when rolling over lazily",
        ));
    }
    let response = blocking(move || {
        if lazy {
            store.rollover_lazy(&target, &body, dry_run)
        } else {
            store.rollover(&target, new_index.as_deref(), &body, dry_run)
        }
    })
    .await??;
    Ok(EsJson::ok(response))
}

// ---- _resolve/index -------------------------------------------------------------------------

/// `GET /_resolve/index/<expression>`: indices, aliases and data streams it reaches.
pub(crate) async fn resolve_index(
    State(state): State<Arc<AppState>>,
    granted: Granted,
) -> Result<EsJson, ApiError> {
    let store = documents(&state)?.clone();
    let space = store.space();
    let names = existing_names(&granted, &space)?;
    Ok(EsJson::ok(
        store.metadata().resolve_index_json(&space, &names),
    ))
}

// ---- _field_caps ----------------------------------------------------------------------------

/// Metadata fields every index has, as `_field_caps` reports them (type, searchable,
/// aggregatable).
const METADATA_FIELDS: &[(&str, bool, bool)] = &[
    ("_id", true, false),
    ("_ignored", true, true),
    ("_index", true, true),
    ("_routing", true, false),
    ("_seq_no", true, true),
    ("_source", false, false),
    ("_version", false, false),
];

/// One field's capabilities in one index.
#[derive(Debug, Clone)]
struct Capability {
    type_name: String,
    metadata: bool,
    searchable: bool,
    aggregatable: bool,
}

/// `fields`, `types` and `include_unmapped`, from the query string or the body.
struct FieldCapsRequest {
    fields: Vec<String>,
    types: Vec<String>,
    include_unmapped: bool,
}

fn split(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn field_caps_request(params: &RenderParams, body: &Bytes) -> Result<FieldCapsRequest, ApiError> {
    let mut fields = params.param("fields").map(split).unwrap_or_default();
    let mut types = params.param("types").map(split).unwrap_or_default();
    if let Some(body) = body::json(body)? {
        let Value::Object(map) = body else {
            return Err(body::parse_error("request body must be an object"));
        };
        for (key, value) in map {
            match key.as_str() {
                "fields" => fields.extend(string_list(&value)),
                "types" => types.extend(string_list(&value)),
                "index_filter" | "runtime_mappings" => {
                    return Err(ApiError::illegal_argument(format!(
                        "[{key}] is not supported by this node's _field_caps"
                    )));
                }
                other => {
                    return Err(body::parse_error(format!(
                        "[field_caps_request] unknown field [{other}]"
                    )));
                }
            }
        }
    }
    if fields.is_empty() {
        return Err(ironstack_store::StoreError::Validation(vec![
            "specified fields can't be null or empty".into(),
        ])
        .into());
    }
    Ok(FieldCapsRequest {
        fields,
        types,
        include_unmapped: params.boolean("include_unmapped")?,
    })
}

fn string_list(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => split(s),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether `field` is asked for by `patterns` (`*` wildcards, `-` exclusions after).
fn wanted(patterns: &[String], field: &str) -> bool {
    let mut matched = false;
    for pattern in patterns {
        if let Some(excluded) = pattern.strip_prefix('-') {
            if matched && simple_match(excluded, field) {
                matched = false;
            }
        } else if pattern == field || simple_match(pattern, field) {
            matched = true;
        }
    }
    matched
}

/// `GET|POST [/<index>]/_field_caps`.
pub(crate) async fn field_caps(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let request = field_caps_request(&params, &body)?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let indices = granted_concrete(&granted, &space)?;
    // Per index, each wanted field's capability.
    let mut per_index: BTreeMap<String, BTreeMap<String, Capability>> = BTreeMap::new();
    for index in &indices {
        let Ok(info) = store.backend().index_info(index) else {
            continue;
        };
        if !info.open {
            continue;
        }
        let access = field_access(&state, &granted, &space, index)?;
        let mapping = Mapping::from_json(&info.mappings)?;
        let mut caps: BTreeMap<String, Capability> = BTreeMap::new();
        for (name, searchable, aggregatable) in METADATA_FIELDS {
            caps.insert(
                (*name).to_string(),
                Capability {
                    type_name: (*name).to_string(),
                    metadata: true,
                    searchable: *searchable,
                    aggregatable: *aggregatable,
                },
            );
        }
        for cap in mapping.field_caps() {
            if !access.fields.allows(&cap.name) && cap.type_name != "object" {
                continue;
            }
            caps.insert(
                cap.name.clone(),
                Capability {
                    type_name: cap.type_name,
                    metadata: false,
                    searchable: cap.searchable,
                    aggregatable: cap.aggregatable,
                },
            );
        }
        // Objects are listed only above a field the caller may see.
        let leaves: Vec<String> = caps
            .iter()
            .filter(|(_, c)| c.type_name != "object")
            .map(|(n, _)| n.clone())
            .collect();
        caps.retain(|name, c| {
            c.type_name != "object" || leaves.iter().any(|l| l.starts_with(&format!("{name}.")))
        });
        caps.retain(|name, c| {
            wanted(&request.fields, name)
                && (request.types.is_empty() || request.types.contains(&c.type_name))
        });
        per_index.insert(index.clone(), caps);
    }
    let all_fields: BTreeSet<String> = per_index
        .values()
        .flat_map(|caps| caps.keys().cloned())
        .collect();
    let unmapped_cap = Capability {
        type_name: "unmapped".into(),
        metadata: false,
        searchable: false,
        aggregatable: false,
    };
    let mut fields = Map::new();
    for field in &all_fields {
        // type -> indices that map the field with it, in index order.
        let mut by_type: BTreeMap<String, Vec<(&String, &Capability)>> = BTreeMap::new();
        for (index, caps) in &per_index {
            match caps.get(field) {
                Some(cap) => by_type
                    .entry(cap.type_name.clone())
                    .or_default()
                    .push((index, cap)),
                None if request.include_unmapped => by_type
                    .entry("unmapped".into())
                    .or_default()
                    .push((index, &unmapped_cap)),
                None => {}
            }
        }
        fields.insert(field.clone(), render_types(&by_type));
    }
    let reached: Vec<&String> = per_index.keys().collect();
    Ok(EsJson::ok(json!({"indices": reached, "fields": fields})))
}

/// One field's entry: a capability per type, with the indices listed when the field has
/// more than one type, and the indices that disagree on searchable/aggregatable.
fn render_types(by_type: &BTreeMap<String, Vec<(&String, &Capability)>>) -> Value {
    let several = by_type.len() > 1;
    let mut out = Map::new();
    for (type_name, entries) in by_type {
        let searchable = entries.iter().all(|(_, c)| c.searchable);
        let aggregatable = entries.iter().all(|(_, c)| c.aggregatable);
        let mut entry = Map::new();
        entry.insert("type".into(), json!(type_name));
        entry.insert(
            "metadata_field".into(),
            json!(entries.iter().any(|(_, c)| c.metadata)),
        );
        entry.insert("searchable".into(), json!(searchable));
        entry.insert("aggregatable".into(), json!(aggregatable));
        if several {
            let indices: Vec<&String> = entries.iter().map(|(i, _)| *i).collect();
            entry.insert("indices".into(), json!(indices));
        }
        if !searchable && entries.iter().any(|(_, c)| c.searchable) {
            let list: Vec<&String> = entries
                .iter()
                .filter(|(_, c)| !c.searchable)
                .map(|(i, _)| *i)
                .collect();
            entry.insert("non_searchable_indices".into(), json!(list));
        }
        if !aggregatable && entries.iter().any(|(_, c)| c.aggregatable) {
            let list: Vec<&String> = entries
                .iter()
                .filter(|(_, c)| !c.aggregatable)
                .map(|(i, _)| *i)
                .collect();
            entry.insert("non_aggregatable_indices".into(), json!(list));
        }
        out.insert(type_name.clone(), Value::Object(entry));
    }
    Value::Object(out)
}
