//! Requests made of parts, each authorized on its own as Elasticsearch authorizes the
//! requests a composite request sends: `_mget` (each document on its index, an error in its
//! slot when denied or missing), `_msearch` (each search on its own index expression, an
//! error with its `status` in its slot), and the part-authorization the other composite
//! handlers use (the search a `_delete_by_query` runs, the cluster state `_cat/indices`
//! reads).

use std::sync::Arc;
use std::time::Instant;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use ironstack_security::gate::{Authorized, IndexExpression, SecuredRequest};
use ironstack_store::StoreError;
use ironstack_store::query::{SourceFilter, parse_msearch, parse_source_params};
use ironstack_types::index_space::IndicesOptions;
use ironstack_types::{ActionName, action};
use serde_json::{Map, Value, json};

use super::body::{json, parse_error};
use super::context::{blocking, documents};
use super::dls;
use super::envelope::RenderParams;
use super::params::PathParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::run_search;
use crate::state::AppState;

/// Authorizes `request` for whoever sent `granted`, as a part of that request: the gate's
/// 403 (or the expression's 404/400) when it may not be made.
pub(crate) fn authorize_part(
    state: &AppState,
    granted: &Granted,
    request: SecuredRequest,
) -> Result<Granted, ApiError> {
    let authorized = match &state.gate {
        None => Authorized::security_disabled(request),
        Some(gate) => gate.authorize(granted.authenticated(), request),
    }
    .map_err(|denied| ApiError::from(denied.exception))?;
    Ok(Granted(Arc::new(authorized)))
}

/// `action` over the index expression `expressions` (empty: every index) with `options`,
/// against the names that exist now.
pub(crate) fn on_indices(
    state: &AppState,
    action: ActionName,
    expressions: Vec<String>,
    options: IndicesOptions,
) -> Result<SecuredRequest, ApiError> {
    let space = documents(state)?.space();
    Ok(SecuredRequest::on_indices(
        action,
        IndexExpression {
            expressions,
            options,
            space,
        },
    ))
}

// ---- GET|POST [/<index>]/_mget --------------------------------------------------------------

/// One document an `_mget` asks for.
#[derive(Debug, Clone, PartialEq)]
struct MgetDoc {
    index: Option<String>,
    id: Option<String>,
    source: Option<SourceFilter>,
}

/// A per-document `_source`: `true`/`false`, a pattern or list of patterns, or
/// `{"includes"|"include": .., "excludes"|"exclude": ..}` (`FetchSourceContext.fromXContent`).
fn doc_source(value: &Value) -> Result<SourceFilter, ApiError> {
    let patterns = |v: Option<&Value>| -> Result<Vec<String>, ApiError> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str().map(str::to_string).ok_or_else(|| {
                        parse_error(format!("Unknown key for a VALUE_* in [_source]: {i}"))
                    })
                })
                .collect(),
            Some(other) => Err(parse_error(format!(
                "Expected one of [TRUE, FALSE, VALUE_STRING, START_ARRAY, START_OBJECT] but found [{other}]"
            ))),
        }
    };
    match value {
        Value::Bool(fetch) => Ok(SourceFilter::from_parts(*fetch, Vec::new(), Vec::new())),
        Value::String(_) | Value::Array(_) => Ok(SourceFilter::from_parts(
            true,
            patterns(Some(value))?,
            Vec::new(),
        )),
        Value::Object(map) => {
            let mut includes = Vec::new();
            let mut excludes = Vec::new();
            for (key, v) in map {
                match key.as_str() {
                    "includes" | "include" => includes = patterns(Some(v))?,
                    "excludes" | "exclude" => excludes = patterns(Some(v))?,
                    other => {
                        return Err(parse_error(format!(
                            "Unknown key for a START_ARRAY in [_source]: [{other}]."
                        )));
                    }
                }
            }
            Ok(SourceFilter::from_parts(true, includes, excludes))
        }
        other => Err(parse_error(format!(
            "Expected one of [TRUE, FALSE, VALUE_STRING, START_ARRAY, START_OBJECT] but found [{other}]"
        ))),
    }
}

/// A string field of a `docs` entry (numbers are taken as their text, as Elasticsearch's
/// parser does).
fn text_field(doc: &Map<String, Value>, key: &str) -> Option<String> {
    match doc.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// The documents of an `_mget` body (`MultiGetRequest.add`): `docs` entries or `ids` with
/// the path's index; Elasticsearch's validation text for what is missing.
fn parse_mget(body: &Value, default_index: Option<&str>) -> Result<Vec<MgetDoc>, ApiError> {
    let Some(fields) = body.as_object() else {
        return Err(parse_error("request body must be an object"));
    };
    let mut docs = Vec::new();
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("docs", Value::Array(items)) => {
                for item in items {
                    let Some(doc) = item.as_object() else {
                        return Err(ApiError::illegal_argument(
                            "docs array element should include an object",
                        ));
                    };
                    for k in doc.keys() {
                        if !matches!(
                            k.as_str(),
                            "_index"
                                | "_id"
                                | "_source"
                                | "routing"
                                | "_routing"
                                | "stored_fields"
                                | "version"
                                | "_version"
                                | "version_type"
                                | "_version_type"
                        ) {
                            return Err(parse_error(format!(
                                "failed to parse multi get request. unknown field [{k}]"
                            )));
                        }
                    }
                    docs.push(MgetDoc {
                        index: text_field(doc, "_index").or(default_index.map(str::to_string)),
                        id: text_field(doc, "_id"),
                        source: doc.get("_source").map(doc_source).transpose()?,
                    });
                }
            }
            ("ids", Value::Array(items)) => {
                for item in items {
                    let id = match item {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        _ => {
                            return Err(ApiError::illegal_argument(
                                "ids array element should only contain ids",
                            ));
                        }
                    };
                    docs.push(MgetDoc {
                        index: default_index.map(str::to_string),
                        id: Some(id),
                        source: None,
                    });
                }
            }
            (other, _) => {
                return Err(parse_error(format!(
                    "unknown parameter [{other}] in request body or parameter is of the wrong type[{}] ",
                    token_name(value)
                )));
            }
        }
    }
    let mut problems = Vec::new();
    if docs.is_empty() {
        problems.push("no documents to get".to_string());
    }
    for (i, doc) in docs.iter().enumerate() {
        if doc.index.is_none() {
            problems.push(format!("index is missing for doc {i}"));
        }
        if doc.id.is_none() {
            problems.push(format!("id is missing for doc {i}"));
        }
    }
    if problems.is_empty() {
        Ok(docs)
    } else {
        Err(ApiError::from(StoreError::Validation(problems)))
    }
}

/// The XContent token a JSON value starts with, for parser messages.
fn token_name(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "START_OBJECT",
        Value::Array(_) => "START_ARRAY",
        Value::String(_) => "VALUE_STRING",
        Value::Number(_) => "VALUE_NUMBER",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Null => "VALUE_NULL",
    }
}

/// One `_mget` slot: the document as `GET` returns it, `found: false`, or the error that
/// kept it from being read (authorization included) under `error`.
async fn mget_one(
    state: &Arc<AppState>,
    granted: &Granted,
    doc: MgetDoc,
    url_filter: Option<&SourceFilter>,
) -> Value {
    let name = doc.index.unwrap_or_default();
    let id = doc.id.unwrap_or_default();
    match read_one(
        state,
        granted,
        &name,
        &id,
        doc.source.as_ref().or(url_filter),
    )
    .await
    {
        Ok(v) => v,
        Err(e) => {
            let mut slot = Map::new();
            slot.insert("_index".into(), json!(name));
            slot.insert("_id".into(), json!(id));
            let body = e.body(false);
            slot.insert("error".into(), body["error"].clone());
            Value::Object(slot)
        }
    }
}

/// A realtime read of `id` through `name` as `GET /<name>/_doc/<id>` makes it, authorized
/// as an `_mget` part: role queries hide documents, field rules trim `_source`.
async fn read_one(
    state: &Arc<AppState>,
    granted: &Granted,
    name: &str,
    id: &str,
    filter: Option<&SourceFilter>,
) -> Result<Value, ApiError> {
    let request = on_indices(
        state,
        action::MGET_SHARD,
        vec![name.to_string()],
        IndicesOptions::STRICT_SINGLE_INDEX,
    )?;
    let part = authorize_part(state, granted, request)?;
    let store = documents(state)?.clone();
    let name = part
        .indices()
        .first()
        .cloned()
        .ok_or_else(|| ApiError::internal("a document read without an index"))?;
    let index = store.single_index(&name)?;
    let access = match &state.gate {
        Some(gate) => Some(gate.read_access(&part, &store.space(), &index)?),
        None => None,
    };
    let (lookup_index, lookup_id) = (index.clone(), id.to_string());
    let found = blocking(move || store.backend().get(&lookup_index, &lookup_id)).await??;
    let visible = match (&found, &access) {
        (Some(doc), Some(access)) if !access.documents.is_unrestricted() => {
            dls::document_visible(state, &index, &doc.id, access).await?
        }
        _ => true,
    };
    let Some(doc) = found.filter(|_| visible) else {
        return Ok(json!({"_index": index, "_id": id, "found": false}));
    };
    let mut source = doc.source.clone();
    if let Some(access) = &access {
        source = dls::filter_source_fields(&source, &access.fields);
    }
    let source = match filter {
        Some(f) => f.apply(&source),
        None => Some(source),
    };
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
    Ok(Value::Object(body))
}

/// `GET|POST [/<index>]/_mget`: authorized by name; each document read on its own, in
/// order, with an error in its slot when it may not be read.
pub(crate) async fn mget(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let body =
        json(&body)?.ok_or_else(|| parse_error("request body or source parameter is required"))?;
    let docs = parse_mget(&body, path.get("index"))?;
    let url_filter = parse_source_params(&params.query).map_err(ApiError::from)?;
    let mut out = Vec::with_capacity(docs.len());
    for doc in docs {
        out.push(mget_one(&state, &granted, doc, url_filter.as_ref()).await);
    }
    Ok(EsJson::ok(json!({ "docs": out })))
}

// ---- GET|POST [/<index>]/_msearch -----------------------------------------------------------

/// `GET|POST [/<index>]/_msearch`: authorized by name; each search on its own index
/// expression (the header's, else the path's), run as `_search` runs, its failure in its
/// slot with its `status`.
pub(crate) async fn msearch(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    path: PathParams,
    Extension(params): Extension<RenderParams>,
    body: Bytes,
) -> Result<EsJson, ApiError> {
    let started = Instant::now();
    let parsed = parse_msearch(&body, &params.query)?;
    let path_indices = path.names("index").unwrap_or_default();
    let mut responses = Vec::with_capacity(parsed.items.len());
    for item in parsed.items {
        let expressions = item
            .header
            .indices
            .clone()
            .unwrap_or_else(|| path_indices.clone());
        let outcome = async {
            let request = on_indices(
                &state,
                action::SEARCH,
                expressions,
                item.header.indices_options,
            )?;
            let part = authorize_part(&state, &granted, request)?;
            run_search(&state, &part, item.request, parsed.rest_total_hits_as_int).await
        }
        .await;
        responses.push(match outcome {
            Ok(Value::Object(mut body)) => {
                body.insert("status".into(), json!(200));
                Value::Object(body)
            }
            Ok(other) => other,
            Err(e) => {
                let mut body = e.body(false);
                if let Value::Object(m) = &mut body {
                    m.insert("status".into(), json!(e.status().as_u16()));
                }
                body
            }
        });
    }
    Ok(EsJson::ok(json!({
        "took": started.elapsed().as_millis() as u64,
        "responses": responses,
    })))
}
