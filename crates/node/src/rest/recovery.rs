//! `GET [/<index>]/_recovery`: how each index's one shard came to be open on this node. An
//! index that existed when the store opened was recovered from its files (`EXISTING_STORE`,
//! timed by the store's opening); one created since started empty (`EMPTY_STORE`, at its
//! creation). Either is `DONE`: the store opens every index before the node answers, so no
//! recovery is ever active and `active_only=true` lists none.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use serde_json::{Map, Value, json};

use super::context::{blocking, documents};
use super::envelope::RenderParams;
use super::pipeline::Granted;
use super::response::{ApiError, EsJson};
use super::search::existing_names;
use super::stats::{IndexFigures, gather};
use crate::state::AppState;
use crate::stats::human_duration;

/// How a shard was recovered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recovery {
    pub(crate) existing_store: bool,
    pub(crate) start_millis: i64,
    pub(crate) stop_millis: i64,
}

impl Recovery {
    /// The recovery of an index created at `creation_date`, given the window in which the
    /// store opened the indices it found.
    pub(crate) fn of(creation_date: i64, store_open: (i64, i64)) -> Self {
        if creation_date < store_open.0 {
            Self {
                existing_store: true,
                start_millis: store_open.0,
                stop_millis: store_open.1.max(store_open.0),
            }
        } else {
            Self {
                existing_store: false,
                start_millis: creation_date,
                stop_millis: creation_date,
            }
        }
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "100.0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

/// One shard's recovery as `RecoveryState.toXContent` renders it.
fn shard_recovery(
    state: &AppState,
    f: &IndexFigures,
    r: Recovery,
    human: bool,
    detailed: bool,
) -> Value {
    let size = f.stats.as_ref().map_or(0, |s| s.store_size_bytes);
    let total = (r.stop_millis - r.start_millis).max(0) as u64;
    let ip = state.publish_ip();
    let mut o = Map::new();
    o.insert("id".into(), json!(0));
    o.insert(
        "type".into(),
        json!(if r.existing_store {
            "EXISTING_STORE"
        } else {
            "EMPTY_STORE"
        }),
    );
    o.insert("stage".into(), json!("DONE"));
    o.insert("primary".into(), json!(true));
    let mut time = |key: &str, readable: &str, millis: i64| {
        if human {
            o.insert(
                readable.into(),
                json!(
                    ironstack_types::date::timestamp_from_millis(millis)
                        .map(ironstack_types::date::format_iso_millis)
                        .unwrap_or_default()
                ),
            );
        }
        o.insert(key.into(), json!(millis));
    };
    time("start_time_in_millis", "start_time", r.start_millis);
    time("stop_time_in_millis", "stop_time", r.stop_millis);
    if human {
        o.insert("total_time".into(), json!(human_duration(total)));
    }
    o.insert("total_time_in_millis".into(), json!(total));
    o.insert(
        "source".into(),
        if r.existing_store {
            json!({"bootstrap_new_history_uuid": false})
        } else {
            json!({})
        },
    );
    o.insert(
        "target".into(),
        json!({
            "id": state.identity.node_id,
            "host": ip,
            "transport_address": state.publish_address(),
            "ip": ip,
            "name": state.identity.node_name,
        }),
    );
    let reused = if r.existing_store { size } else { 0 };
    let mut files = json!({"total": 0, "reused": 0, "recovered": 0, "percent": "100.0%"});
    if detailed && let Value::Object(m) = &mut files {
        m.insert("details".into(), json!([]));
    }
    o.insert(
        "index".into(),
        json!({
            "size": {
                "total_in_bytes": reused,
                "reused_in_bytes": reused,
                "recovered_in_bytes": 0,
                "recovered_from_snapshot_in_bytes": 0,
                "percent": percent(reused, reused),
            },
            "files": files,
            "total_time_in_millis": total,
            "source_throttle_time_in_millis": 0,
            "target_throttle_time_in_millis": 0,
        }),
    );
    o.insert(
        "translog".into(),
        json!({"recovered": 0, "total": 0, "percent": "100.0%", "total_on_start": 0, "total_time_in_millis": 0}),
    );
    o.insert(
        "verify_index".into(),
        json!({"check_index_time_in_millis": 0, "total_time_in_millis": 0}),
    );
    Value::Object(o)
}

/// `GET [/<index>]/_recovery` (`active_only`, `detailed`): every open index the caller may
/// monitor, by name.
pub(crate) async fn recovery(
    State(state): State<Arc<AppState>>,
    granted: Granted,
    Extension(params): Extension<RenderParams>,
) -> Result<EsJson, ApiError> {
    let active_only = params.boolean("active_only")?;
    let detailed = params.boolean("detailed")?;
    let store = documents(&state)?.clone();
    let space = store.space();
    let names = space.concrete_indices(&existing_names(&granted, &space)?);
    let figures = blocking(move || gather(&store, &names)).await?;
    let window = state
        .store_open_window
        .get()
        .copied()
        .unwrap_or((state.started_millis, state.started_millis));
    let mut body = Map::new();
    if !active_only {
        let mut open: Vec<&IndexFigures> = figures.iter().filter(|f| !f.index.closed).collect();
        open.sort_by(|a, b| a.index.name.cmp(&b.index.name));
        for f in open {
            let r = Recovery::of(f.index.creation_date, window);
            body.insert(
                f.index.name.clone(),
                json!({"shards": [shard_recovery(&state, f, r, params.human, detailed)]}),
            );
        }
    }
    Ok(EsJson::ok(Value::Object(body)))
}
