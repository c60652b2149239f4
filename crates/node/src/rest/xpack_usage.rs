//! `GET /_xpack/usage` and the feature statistics Stack Monitoring polls, answered as
//! Elasticsearch answers them under the node's basic licence: `_ccr/stats` refuses (CCR
//! needs platinum), `_enrich/_stats` reports an idle coordinator, and
//! `_ml/anomaly_detectors/<id>/_stats` lists the jobs there are (none: this node runs no
//! machine learning).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use ironstack_types::{EsErrorType, EsException};
use serde_json::{Map, Value, json};

use super::envelope::RenderParams;
use super::handlers::parse_time_value;
use super::params::PathParams;
use super::response::{ApiError, EsJson};
use crate::state::AppState;

/// Elasticsearch's refusal of a feature the licence does not cover (`LicenseUtils`).
pub(crate) fn non_compliant(feature: &str) -> ApiError {
    EsException::new(
        EsErrorType::Security,
        format!("current license is non-compliant for [{feature}]"),
    )
    .meta("license.expired.feature", feature)
    .into()
}

fn feature(available: bool, enabled: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("available".into(), json!(available));
    m.insert("enabled".into(), json!(enabled));
    m
}

fn with(mut base: Map<String, Value>, extra: Value) -> Value {
    if let Value::Object(extra) = extra {
        base.extend(extra);
    }
    Value::Object(base)
}

/// `ilm`: the policies and how many indices each manages.
fn ilm_usage(state: &AppState) -> Value {
    let Some(store) = state.store.as_ref() else {
        return with(
            feature(true, true),
            json!({"policy_count": 0, "policy_stats": []}),
        );
    };
    let concrete = store.concrete();
    let policies = store
        .metadata()
        .get_ilm_policies(&[], &concrete)
        .unwrap_or_default();
    let stats: Vec<Value> = policies
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, p)| {
            let managed = p["in_use_by"]["indices"].as_array().map_or(0, Vec::len);
            json!({"phases": p["policy"]["phases"], "indices_managed": managed})
        })
        .collect();
    with(
        feature(true, true),
        json!({"policy_count": stats.len(), "policy_stats": stats}),
    )
}

/// `data_streams`: how many there are and their backing indices.
fn data_streams_usage(state: &AppState) -> Value {
    let (streams, indices) = state.store.as_ref().map_or((0, 0), |store| {
        let concrete = store.concrete();
        let listed = store
            .metadata()
            .get_data_streams(&[], true, &concrete)
            .unwrap_or_default();
        let list = listed["data_streams"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let indices: usize = list
            .iter()
            .map(|d| d["indices"].as_array().map_or(0, Vec::len))
            .sum();
        (list.len(), indices)
    });
    with(
        feature(true, true),
        json!({"data_streams": streams, "indices_count": indices}),
    )
}

/// The usage body: every feature the basic licence lists, with what this node does.
pub(crate) fn usage_body(state: &AppState) -> Value {
    let security = state.gate.is_some();
    let http_ssl = state.http_ssl.get().copied().unwrap_or(false);
    let collection = state
        .cluster_settings
        .value("xpack.monitoring.collection.enabled")
        .is_some_and(|v| v == "true");
    let tokens = state.gate.as_ref().is_some_and(|g| g.tokens().enabled());
    let mut body = Map::new();
    body.insert(
        "security".into(),
        with(
            feature(true, security),
            json!({
                "ssl": {"http": {"enabled": security && http_ssl}, "transport": {"enabled": false}},
                "audit": {"enabled": state.audit.get().is_some()},
                "ipfilter": {"http": false, "transport": false},
                "anonymous": {"enabled": false},
                "token_service": {"enabled": tokens},
                "api_key_service": {"enabled": security},
                "fips_140": {"enabled": false},
                "operator_privileges": {"available": false, "enabled": false},
            }),
        ),
    );
    body.insert(
        "monitoring".into(),
        with(
            feature(true, true),
            // `xpack.monitoring.collection.enabled` as set; the node exports nothing itself.
            json!({"collection_enabled": collection, "enabled_exporters": {}}),
        ),
    );
    body.insert(
        "ml".into(),
        with(
            feature(false, true),
            json!({
                "jobs": {"_all": {"count": 0}},
                "datafeeds": {"_all": {"count": 0}},
                "data_frame_analytics_jobs": {"_all": {"count": 0}},
                "inference": {"ingest_processors": {"_all": {}}, "trained_models": {"_all": {"count": 0}}},
                "node_count": 0,
            }),
        ),
    );
    body.insert(
        "ccr".into(),
        with(
            feature(false, true),
            json!({"follower_indices_count": 0, "auto_follow_patterns_count": 0}),
        ),
    );
    body.insert("enrich".into(), Value::Object(feature(true, true)));
    body.insert("ilm".into(), ilm_usage(state));
    body.insert("data_streams".into(), data_streams_usage(state));
    body.insert(
        "slm".into(),
        with(feature(false, false), json!({"policy_count": 0})),
    );
    body.insert(
        "watcher".into(),
        with(
            feature(false, false),
            json!({"execution": {"actions": {}}, "watch": {"input": {}, "trigger": {}}, "count": {"active": 0, "total": 0}}),
        ),
    );
    Value::Object(body)
}

/// `GET /_xpack/usage`.
pub(crate) async fn xpack_usage(
    State(state): State<Arc<AppState>>,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    if let Some(t) = params.param("master_timeout") {
        parse_time_value("master_timeout", t)?;
    }
    Ok(EsJson::ok(usage_body(&state)))
}

/// `GET /_ccr/stats`: cross-cluster replication is a platinum feature.
pub(crate) async fn ccr_stats() -> Result<EsJson, ApiError> {
    Err(non_compliant("ccr"))
}

/// `GET /_enrich/_stats`: no policy runs; this node is the one coordinator and its cache is
/// empty.
pub(crate) async fn enrich_stats(State(state): State<Arc<AppState>>) -> EsJson {
    let node = &state.identity.node_id;
    EsJson::ok(json!({
        "executing_policies": [],
        "coordinator_stats": [{
            "node_id": node, "queue_size": 0, "remote_requests_current": 0,
            "remote_requests_total": 0, "executed_searches_total": 0
        }],
        "cache_stats": [{
            "node_id": node, "count": 0, "hits": 0, "hits_time_in_millis": 0, "misses": 0,
            "misses_time_in_millis": 0, "evictions": 0, "size_in_bytes": 0
        }]
    }))
}

/// `GET /_ml/anomaly_detectors[/{job_id}]/_stats`: there are no jobs. `_all`, `*` and
/// wildcards match none, which `allow_no_match` (true by default) accepts; a job named
/// explicitly does not exist.
pub(crate) async fn ml_job_stats(
    path: PathParams,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let allow_no_match = match params.param("allow_no_match") {
        None => true,
        Some(_) => params.boolean("allow_no_match")?,
    };
    let expression = path.get("job_id").unwrap_or("_all");
    let tokens: Vec<&str> = expression
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    // `ExpandedIdsMatcher`: an id must match, a wildcard only without `allow_no_match`; `_all`
    // and `*` stand for `*`.
    let unmatched: Vec<&str> = if tokens.is_empty() || tokens == ["_all"] || tokens == ["*"] {
        if allow_no_match {
            Vec::new()
        } else {
            vec!["*"]
        }
    } else {
        tokens
            .into_iter()
            .filter(|t| !t.contains('*') || !allow_no_match)
            .collect()
    };
    if !unmatched.is_empty() {
        return Err(EsException::new(
            EsErrorType::ResourceNotFound,
            format!("No known job with id '{}'", unmatched.join(",")),
        )
        .into());
    }
    Ok(EsJson::ok(json!({"count": 0, "jobs": []})))
}

#[cfg(test)]
#[path = "xpack_usage_tests.rs"]
mod tests;
