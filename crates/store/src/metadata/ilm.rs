//! ILM policies (`PUT/GET/DELETE _ilm/policy`): bodies parsed and validated strictly as
//! `LifecyclePolicy`, `Phase` and the actions ironstack executes (`rollover`, `set_priority`,
//! `readonly`, `forcemerge`, `delete`) are parsed, with `TimeseriesLifecycleType`'s rules and
//! texts; each managed index's lifecycle state; the step function that says which
//! phase/action/step an index is in and what the service must do now (roll over, delete, ...);
//! and the `_ilm/explain` body.

use std::collections::BTreeMap;

use ironstack_types::TimeValue;
use ironstack_types::date::{format_iso_millis, timestamp_from_millis};
use ironstack_types::wildcard::simple_match;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::rollover::{RolloverConditions, RolloverStats, format_time, millis};
use super::settings::string_setting;
use super::templates::java_list;
use super::xcontent::{self, in_field};
use super::{ConcreteIndex, IlmMode, Metadata};
use crate::error::{Result, StoreError};

/// The phases, in the order an index goes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseName {
    /// `hot`.
    Hot,
    /// `warm`.
    Warm,
    /// `cold`.
    Cold,
    /// `frozen`.
    Frozen,
    /// `delete`.
    Delete,
}

impl PhaseName {
    /// All phases, in order.
    pub const ALL: [PhaseName; 5] = [
        PhaseName::Hot,
        PhaseName::Warm,
        PhaseName::Cold,
        PhaseName::Frozen,
        PhaseName::Delete,
    ];

    /// The name in bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseName::Hot => "hot",
            PhaseName::Warm => "warm",
            PhaseName::Cold => "cold",
            PhaseName::Frozen => "frozen",
            PhaseName::Delete => "delete",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The actions `TimeseriesLifecycleType` allows in this phase, in execution order.
    fn allowed_actions(self) -> &'static [&'static str] {
        match self {
            PhaseName::Hot => &[
                "set_priority",
                "unfollow",
                "rollover",
                "readonly",
                "downsample",
                "shrink",
                "forcemerge",
                "searchable_snapshot",
            ],
            PhaseName::Warm => &[
                "set_priority",
                "unfollow",
                "readonly",
                "downsample",
                "allocate",
                "migrate",
                "shrink",
                "forcemerge",
            ],
            PhaseName::Cold => &[
                "set_priority",
                "unfollow",
                "readonly",
                "downsample",
                "searchable_snapshot",
                "allocate",
                "migrate",
                "freeze",
            ],
            PhaseName::Frozen => &["unfollow", "searchable_snapshot"],
            PhaseName::Delete => &["wait_for_snapshot", "delete"],
        }
    }
}

/// The actions ironstack executes.
const SUPPORTED_ACTIONS: [&str; 5] = [
    "rollover",
    "set_priority",
    "readonly",
    "forcemerge",
    "delete",
];
/// Actions Elasticsearch knows that ironstack does not execute.
const KNOWN_UNSUPPORTED_ACTIONS: [&str; 9] = [
    "allocate",
    "migrate",
    "shrink",
    "searchable_snapshot",
    "freeze",
    "unfollow",
    "downsample",
    "wait_for_snapshot",
    "total_shards_per_node",
];

/// One action of a phase.
#[derive(Debug, Clone, PartialEq)]
pub enum LifecycleAction {
    /// `rollover` with its conditions.
    Rollover(RolloverConditions),
    /// `set_priority`.
    SetPriority(Option<i32>),
    /// `readonly`.
    ReadOnly,
    /// `forcemerge`.
    ForceMerge {
        /// `max_num_segments`.
        max_num_segments: i32,
        /// `index_codec`.
        index_codec: Option<String>,
    },
    /// `delete`.
    Delete {
        /// `delete_searchable_snapshot`.
        delete_searchable_snapshot: bool,
    },
}

impl LifecycleAction {
    /// The action's name.
    pub fn name(&self) -> &'static str {
        match self {
            LifecycleAction::Rollover(_) => "rollover",
            LifecycleAction::SetPriority(_) => "set_priority",
            LifecycleAction::ReadOnly => "readonly",
            LifecycleAction::ForceMerge { .. } => "forcemerge",
            LifecycleAction::Delete { .. } => "delete",
        }
    }

    /// The step an index waits in (or runs) for this action.
    fn step(&self) -> &'static str {
        match self {
            LifecycleAction::Rollover(_) => "check-rollover-ready",
            LifecycleAction::SetPriority(_) => "set_priority",
            LifecycleAction::ReadOnly => "readonly",
            LifecycleAction::ForceMerge { .. } => "forcemerge",
            LifecycleAction::Delete { .. } => "delete",
        }
    }

    fn to_json(&self) -> Value {
        match self {
            LifecycleAction::Rollover(c) => c.to_json(),
            LifecycleAction::SetPriority(p) => json!({"priority": p}),
            LifecycleAction::ReadOnly => json!({}),
            LifecycleAction::ForceMerge {
                max_num_segments,
                index_codec,
            } => {
                let mut out = json!({"max_num_segments": max_num_segments});
                if let Some(codec) = index_codec {
                    out["index_codec"] = json!(codec);
                }
                out
            }
            LifecycleAction::Delete {
                delete_searchable_snapshot,
            } => json!({"delete_searchable_snapshot": delete_searchable_snapshot}),
        }
    }
}

/// One phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    /// `min_age`.
    pub min_age: TimeValue,
    /// Its actions, in execution order.
    pub actions: Vec<LifecycleAction>,
}

impl Phase {
    fn to_json(&self) -> Value {
        let actions: Map<String, Value> = self
            .actions
            .iter()
            .map(|a| (a.name().to_string(), a.to_json()))
            .collect();
        json!({"min_age": self.min_age.to_string(), "actions": actions})
    }
}

/// An ILM policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifecyclePolicy {
    /// Phases by name.
    pub phases: BTreeMap<PhaseName, Phase>,
    /// `_meta`.
    pub meta: Option<Map<String, Value>>,
}

impl LifecyclePolicy {
    /// `LifecyclePolicy.toXContent`: `phases`, then `_meta`.
    pub fn to_json(&self) -> Value {
        let phases: Map<String, Value> = self
            .phases
            .iter()
            .map(|(name, phase)| (name.as_str().to_string(), phase.to_json()))
            .collect();
        let mut out = Map::new();
        out.insert("phases".into(), Value::Object(phases));
        if let Some(meta) = &self.meta {
            out.insert("_meta".into(), Value::Object(meta.clone()));
        }
        Value::Object(out)
    }

    /// Parses a policy object (the value of `policy`) and validates it.
    pub fn parse(value: &Value) -> Result<Self> {
        validate_raw(parse_raw(value)?)
    }

    /// The hot phase rule of `TimeseriesLifecycleType.validate` and the phase timing rule of
    /// `PutLifecycleRequest.validate`.
    fn validate(&self) -> Result<()> {
        if let Some(hot) = self.phases.get(&PhaseName::Hot)
            && !hot.actions.iter().any(|a| a.name() == "rollover")
        {
            let needing: Vec<&str> = hot
                .actions
                .iter()
                .map(LifecycleAction::name)
                .filter(|n| matches!(*n, "readonly" | "forcemerge"))
                .collect();
            if !needing.is_empty() {
                return Err(StoreError::IllegalArgument(format!(
                    "the [{}] action(s) may not be used in the [hot] phase without an accompanying [rollover] action",
                    needing.join(", ")
                )));
            }
        }
        let timing = self.phase_timing_errors();
        if !timing.is_empty() {
            return Err(StoreError::Validation(vec![timing.join(",")]));
        }
        Ok(())
    }

    /// `validateMonotonicallyIncreasingPhaseTimings`.
    fn phase_timing_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let mut invalid: Vec<PhaseName> = Vec::new();
        let configured = |p: &Phase| p.min_age.nanos() != 0;
        for (i, name) in PhaseName::ALL.iter().enumerate() {
            let Some(phase) = self.phases.get(name).filter(|p| configured(p)) else {
                continue;
            };
            if invalid.contains(name) {
                continue;
            }
            let bad: Vec<(PhaseName, &Phase)> = PhaseName::ALL[i + 1..]
                .iter()
                .filter_map(|n| self.phases.get(n).map(|p| (*n, p)))
                .filter(|(_, p)| configured(p) && p.min_age.nanos() < phase.min_age.nanos())
                .collect();
            if bad.is_empty() {
                continue;
            }
            invalid.extend(bad.iter().map(|(n, _)| *n));
            let parts: Vec<String> = bad
                .iter()
                .map(|(n, p)| {
                    format!(
                        "the {} phase (min_age: {})",
                        n.as_str(),
                        format_time(p.min_age, 1)
                    )
                })
                .collect();
            let cited = match parts.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
                _ => parts.join(""),
            };
            errors.push(format!(
                "Your policy is configured to run {cited} before the {} phase (min_age: {}). You should change the phase timing so that the phases will execute in the order of hot, warm, then cold.",
                name.as_str(),
                format_time(phase.min_age, 1)
            ));
        }
        errors
    }
}

impl Serialize for LifecyclePolicy {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for LifecyclePolicy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        LifecyclePolicy::parse(&value).map_err(serde::de::Error::custom)
    }
}

/// A policy as parsed, before `TimeseriesLifecycleType.validate`.
struct RawPolicy {
    phases: Vec<(String, Phase)>,
    meta: Option<Map<String, Value>>,
}

fn parse_raw(value: &Value) -> Result<RawPolicy> {
    const PARSER: &str = "lifecycle_policy";
    let map = xcontent::body_object(PARSER, value)?;
    xcontent::check_fields(PARSER, map, &["phases", "_meta"])?;
    let mut phases: Option<Vec<(String, Phase)>> = None;
    let mut meta = None;
    for (field, v) in map {
        if field == "phases" {
            let obj = xcontent::object(PARSER, field, v)?;
            let mut parsed = Vec::new();
            for (name, body) in obj {
                let phase = parse_phase(body)
                    .map_err(|e| in_field(PARSER, "phases", in_field("phases", name, e)))?;
                parsed.push((name.clone(), phase));
            }
            phases = Some(parsed);
        } else {
            meta = Some(xcontent::object(PARSER, field, v)?.clone());
        }
    }
    let phases = phases.ok_or_else(|| xcontent::required("phases"))?;
    Ok(RawPolicy { phases, meta })
}

/// `TimeseriesLifecycleType.validate`: known phases, allowed actions (which are then put in
/// execution order), the hot phase rule; then the phase timings.
fn validate_raw(raw: RawPolicy) -> Result<LifecyclePolicy> {
    let mut phases = BTreeMap::new();
    for (name, mut phase) in raw.phases {
        let Some(p) = PhaseName::parse(&name) else {
            return Err(StoreError::IllegalArgument(format!(
                "Timeseries lifecycle does not support phase [{name}]"
            )));
        };
        let order = p.allowed_actions();
        if let Some(bad) = phase.actions.iter().find(|a| !order.contains(&a.name())) {
            return Err(StoreError::IllegalArgument(format!(
                "invalid action [{}] defined in phase [{name}]",
                bad.name()
            )));
        }
        phase.actions.sort_by_key(|a| {
            order
                .iter()
                .position(|n| *n == a.name())
                .unwrap_or(usize::MAX)
        });
        phases.insert(p, phase);
    }
    let policy = LifecyclePolicy {
        phases,
        meta: raw.meta,
    };
    policy.validate()?;
    Ok(policy)
}

fn parse_phase(body: &Value) -> Result<Phase> {
    const PARSER: &str = "phase";
    let map = xcontent::body_object(PARSER, body)?;
    xcontent::check_fields(PARSER, map, &["min_age", "actions"])?;
    let mut min_age = TimeValue::ZERO;
    let mut actions: Option<Vec<LifecycleAction>> = None;
    for (field, v) in map {
        if field == "min_age" {
            let text = xcontent::text(PARSER, field, v)?;
            // Elasticsearch reads a negative min_age as 0 (older versions stored them).
            min_age = if text.starts_with('-') {
                TimeValue::ZERO
            } else {
                TimeValue::parse(&text, "min_age").map_err(|e| {
                    in_field(PARSER, field, StoreError::IllegalArgument(e.to_string()))
                })?
            };
        } else {
            let obj = xcontent::object(PARSER, field, v)?;
            let mut parsed = Vec::new();
            for (action, action_body) in obj {
                let a = parse_action(action, action_body)
                    .map_err(|e| in_field(PARSER, "actions", in_field("actions", action, e)))?;
                parsed.push(a);
            }
            actions = Some(parsed);
        }
    }
    let actions = actions.ok_or_else(|| xcontent::required("actions"))?;
    Ok(Phase { min_age, actions })
}

fn parse_action(name: &str, body: &Value) -> Result<LifecycleAction> {
    if KNOWN_UNSUPPORTED_ACTIONS.contains(&name) {
        return Err(StoreError::IllegalArgument(format!(
            "the [{name}] action is not supported; supported actions are {}",
            java_list(&SUPPORTED_ACTIONS)
        )));
    }
    if !SUPPORTED_ACTIONS.contains(&name) {
        return Err(StoreError::XContentParse(format!("unknown field [{name}]")));
    }
    let map = xcontent::body_object(name, body)?;
    match name {
        "rollover" => {
            let conditions = RolloverConditions::parse(map, "rollover")?;
            if !conditions.has_max() {
                return Err(StoreError::IllegalArgument(
                    "At least one max_* rollover condition must be set.".into(),
                ));
            }
            Ok(LifecycleAction::Rollover(conditions))
        }
        "set_priority" => {
            xcontent::check_fields(name, map, &["priority"])?;
            let value = map
                .get("priority")
                .ok_or_else(|| xcontent::required("priority"))?;
            let priority = match value {
                Value::Null => None,
                v => Some(xcontent::int(name, "priority", v)?),
            };
            if priority.is_some_and(|p| p < 0) {
                return Err(StoreError::IllegalArgument(
                    "[priority] must be 0 or greater".into(),
                ));
            }
            Ok(LifecycleAction::SetPriority(priority))
        }
        "readonly" => {
            xcontent::check_fields(name, map, &[])?;
            Ok(LifecycleAction::ReadOnly)
        }
        "forcemerge" => {
            xcontent::check_fields(name, map, &["max_num_segments", "index_codec"])?;
            let segments = map
                .get("max_num_segments")
                .ok_or_else(|| xcontent::required("max_num_segments"))?;
            let max_num_segments = xcontent::int(name, "max_num_segments", segments)?;
            let index_codec = match map.get("index_codec") {
                Some(v) => Some(xcontent::string(name, "index_codec", v)?),
                None => None,
            };
            if max_num_segments <= 0 {
                return Err(StoreError::IllegalArgument(
                    "[max_num_segments] must be a positive integer".into(),
                ));
            }
            if let Some(codec) = index_codec.as_deref().filter(|c| *c != "best_compression") {
                return Err(StoreError::IllegalArgument(format!(
                    "unknown index codec: [{codec}]"
                )));
            }
            Ok(LifecycleAction::ForceMerge {
                max_num_segments,
                index_codec,
            })
        }
        _ => {
            xcontent::check_fields(name, map, &["delete_searchable_snapshot"])?;
            let delete_searchable_snapshot = match map.get("delete_searchable_snapshot") {
                Some(v) => xcontent::boolean(name, "delete_searchable_snapshot", v)?,
                None => true,
            };
            Ok(LifecycleAction::Delete {
                delete_searchable_snapshot,
            })
        }
    }
}

/// `LifecyclePolicy.validatePolicyName`.
pub fn validate_policy_name(name: &str) -> Result<()> {
    let refuse = |why: String| {
        Err(StoreError::IllegalArgument(format!(
            "invalid policy name [{name}]: {why}"
        )))
    };
    if name.is_empty() {
        return refuse("must not be null or empty".into());
    }
    if name.contains(',') {
        return refuse("must not contain ','".into());
    }
    if name.contains(' ') {
        return refuse("must not contain spaces".into());
    }
    if name.starts_with('_') {
        return refuse("must not start with '_'".into());
    }
    if name.len() > 255 {
        return refuse(format!("name is too long, ({} > 255)", name.len()));
    }
    Ok(())
}

/// Parses a `PUT _ilm/policy/<name>` body (`{"policy": {...}}`) and validates the policy.
pub fn parse_put_policy(body: &Value) -> Result<LifecyclePolicy> {
    const PARSER: &str = "put_lifecycle_request";
    let map = xcontent::body_object(PARSER, body)?;
    xcontent::check_fields(PARSER, map, &["policy"])?;
    let value = map
        .get("policy")
        .ok_or_else(|| xcontent::required("policy"))?;
    let raw = parse_raw(value).map_err(|e| in_field(PARSER, "policy", e))?;
    validate_raw(raw)
}

/// A stored policy: `LifecyclePolicyMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyMetadata {
    /// The policy.
    pub policy: LifecyclePolicy,
    /// `version`, from 1, bumped on each change.
    pub version: u64,
    /// `modified_date` (epoch ms).
    pub modified_date: i64,
}

/// A step of the lifecycle of an index, as `_ilm/explain` shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleState {
    /// The policy the state follows.
    pub policy: String,
    /// `phase`.
    pub phase: String,
    /// `action`.
    pub action: String,
    /// `step`.
    pub step: String,
    /// When the phase began.
    pub phase_time: i64,
    /// When the action began.
    pub action_time: i64,
    /// When the step began.
    pub step_time: i64,
    /// The phase definition cached when the phase began (`phase_execution`).
    pub phase_definition: Option<Value>,
    /// The policy version the phase was cached from.
    pub policy_version: u64,
    /// The policy's `modified_date` the phase was cached from.
    pub policy_modified_date: i64,
    /// The step that failed, when `step` is `ERROR`.
    pub failed_step: Option<String>,
    /// What went wrong (`{"type":..,"reason":..}`), when `step` is `ERROR`.
    pub step_info: Option<Value>,
}

/// What the service must do for an index now.
#[derive(Debug, Clone, PartialEq)]
pub enum IlmAction {
    /// Roll over `target` (the index's data stream or alias).
    Rollover {
        /// The alias or data stream.
        target: String,
    },
    /// Set `index.priority`.
    SetPriority(Option<i32>),
    /// Make the index read-only (`index.blocks.write: true`).
    ReadOnly,
    /// Force-merge to `max_num_segments`.
    ForceMerge {
        /// Segments to merge down to.
        max_num_segments: i32,
        /// `best_compression`, when asked.
        index_codec: Option<String>,
    },
    /// Delete the index.
    Delete,
}

/// Figures of an index the lifecycle depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IlmFacts {
    /// Documents.
    pub docs: u64,
    /// Bytes of its primary (single) shard.
    pub primary_size_bytes: u64,
}

/// `max_primary_shard_docs` ILM's rollover adds when not set.
const IMPLICIT_MAX_PRIMARY_SHARD_DOCS: i64 = 200_000_000;

/// The conditions ILM's rollover really checks: the policy's, with
/// `max_primary_shard_docs: 200000000` and (with no `min_*` set) `min_docs: 1` added.
pub fn effective_rollover_conditions(conditions: &RolloverConditions) -> RolloverConditions {
    let mut out = conditions.clone();
    if out.max_primary_shard_docs.is_none() {
        out.max_primary_shard_docs = Some(IMPLICIT_MAX_PRIMARY_SHARD_DOCS);
    }
    if !out.has_min() {
        out.min_docs = Some(1);
    }
    out
}

fn phase_definition(phase: &Phase) -> Value {
    let mut out = phase.to_json();
    for action in &phase.actions {
        if let LifecycleAction::Rollover(c) = action {
            out["actions"]["rollover"] = effective_rollover_conditions(c).to_json();
        }
    }
    out
}

fn error_info(reason: String) -> Value {
    json!({"type": "illegal_argument_exception", "reason": reason})
}

impl Metadata {
    /// A policy by name.
    pub fn ilm_policy(&self, name: &str) -> Option<&PolicyMetadata> {
        self.ilm_policies.get(name)
    }

    /// `PUT _ilm/policy/<name>`. An identical policy changes nothing; otherwise the version
    /// goes up by one.
    pub fn put_ilm_policy(&mut self, name: &str, body: &Value, now: i64) -> Result<()> {
        validate_policy_name(name)?;
        let policy = parse_put_policy(body)?;
        let version = match self.ilm_policies.get(name) {
            Some(existing) if existing.policy == policy => return Ok(()),
            Some(existing) => existing.version.saturating_add(1),
            None => 1,
        };
        self.ilm_policies.insert(
            name.to_string(),
            PolicyMetadata {
                policy,
                version,
                modified_date: now,
            },
        );
        Ok(())
    }

    /// `GET _ilm/policy[/<names>]`: `names` comma-separated, or one wildcard. `concrete` is
    /// used for `in_use_by.indices`.
    pub fn get_ilm_policies(&self, names: &[String], concrete: &[ConcreteIndex]) -> Result<Value> {
        if self.ilm_policies.is_empty() {
            if names.is_empty() {
                return Ok(json!({}));
            }
            return Err(StoreError::ResourceNotFound(format!(
                "Lifecycle policy not found: {}",
                java_list(names)
            )));
        }
        let names: Vec<String> = if names.is_empty() {
            vec!["*".into()]
        } else {
            names.to_vec()
        };
        if names.len() > 1 && names.iter().any(|n| n.contains('*')) {
            return Err(StoreError::IllegalArgument(
                "wildcard only supports a single value, please use comma-separated values or a single wildcard value".into(),
            ));
        }
        let mut out = Map::new();
        for name in &names {
            if name.contains('*') {
                for (policy_name, md) in &self.ilm_policies {
                    if simple_match(name, policy_name) {
                        out.insert(
                            policy_name.clone(),
                            self.policy_item(policy_name, md, concrete),
                        );
                    }
                }
            } else {
                let md = self.ilm_policies.get(name).ok_or_else(|| {
                    StoreError::ResourceNotFound(format!("Lifecycle policy not found: {name}"))
                })?;
                out.insert(name.clone(), self.policy_item(name, md, concrete));
            }
        }
        Ok(Value::Object(out))
    }

    fn policy_item(&self, name: &str, md: &PolicyMetadata, concrete: &[ConcreteIndex]) -> Value {
        let modified = timestamp_from_millis(md.modified_date)
            .map(java_zoned_date_time)
            .unwrap_or_default();
        json!({
            "version": md.version,
            "modified_date": modified,
            "policy": md.policy.to_json(),
            "in_use_by": self.policy_usage(name, concrete),
        })
    }

    /// `LifecyclePolicyUsageCalculator`: the indices, data streams and composable templates
    /// that use a policy.
    fn policy_usage(&self, name: &str, concrete: &[ConcreteIndex]) -> Value {
        let templates: Vec<&String> = self
            .index_templates
            .iter()
            .filter(|(_, t)| {
                string_setting(&self.resolve_settings(t), "index.lifecycle.name") == Some(name)
            })
            .map(|(n, _)| n)
            .collect();
        let data_streams: Vec<&String> = self
            .data_streams
            .keys()
            .filter(|ds| {
                self.find_index_template(ds, false)
                    .ok()
                    .flatten()
                    .is_some_and(|t| templates.iter().any(|x| **x == t))
            })
            .collect();
        let indices: Vec<&String> = concrete
            .iter()
            .filter(|c| c.lifecycle_name.as_deref() == Some(name))
            .map(|c| &c.name)
            .collect();
        json!({"indices": indices, "data_streams": data_streams, "composable_templates": templates})
    }

    /// `DELETE _ilm/policy/<name>`: refused while an index uses it.
    pub fn delete_ilm_policy(&mut self, name: &str, concrete: &[ConcreteIndex]) -> Result<()> {
        let users: Vec<&str> = concrete
            .iter()
            .filter(|c| c.lifecycle_name.as_deref() == Some(name))
            .map(|c| c.name.as_str())
            .collect();
        if !users.is_empty() {
            return Err(StoreError::IllegalArgument(format!(
                "Cannot delete policy [{name}]. It is in use by one or more indices: {}",
                java_list(&users)
            )));
        }
        if self.ilm_policies.remove(name).is_none() {
            return Err(StoreError::ResourceNotFound(format!(
                "Lifecycle policy not found: {name}"
            )));
        }
        Ok(())
    }

    /// `GET _ilm/status`.
    pub fn ilm_status(&self) -> Value {
        json!({"operation_mode": self.ilm_running.as_str()})
    }

    /// `POST _ilm/start` / `_ilm/stop`.
    pub fn set_ilm_mode(&mut self, mode: IlmMode) {
        self.ilm_running = mode;
    }

    /// The lifecycle state of `index`, if it has one.
    pub fn lifecycle_state(&self, index: &str) -> Option<&LifecycleState> {
        self.ilm_states.get(index)
    }

    /// The date an index's phase ages are measured from: when it was rolled over, else when
    /// it was created.
    pub fn lifecycle_date(&self, index: &ConcreteIndex) -> i64 {
        self.rollover_date(&index.name)
            .unwrap_or(index.creation_date)
    }

    /// The alias or data stream a rollover of `index` would roll: its data stream, or an
    /// alias it is the write index of.
    fn rollover_target(&self, index: &str) -> Option<String> {
        if let Some(ds) = self.parent_data_stream(index) {
            return Some(ds.to_string());
        }
        self.alias_views()
            .into_iter()
            .find(|(_, v)| v.write_index.as_deref() == Some(index))
            .map(|(name, _)| name)
    }

    /// Runs the lifecycle of `index` at `now`: moves its state through the steps that need
    /// nothing from outside, and returns what the service must do now. Rollover is asked for
    /// (again, until it happened) while the index is the write index and its conditions are
    /// met; delete when the delete phase is reached. Nothing happens while ILM is stopped.
    pub fn ilm_step(
        &mut self,
        index: &ConcreteIndex,
        facts: &IlmFacts,
        now: i64,
    ) -> Vec<IlmAction> {
        if self.ilm_running == IlmMode::Stopped {
            return Vec::new();
        }
        let Some(policy_name) = index.lifecycle_name.clone() else {
            self.ilm_states.remove(&index.name);
            return Vec::new();
        };
        let mut state = match self.ilm_states.get(&index.name) {
            Some(s) if s.policy == policy_name => s.clone(),
            _ => LifecycleState {
                policy: policy_name.clone(),
                phase: "new".into(),
                action: "complete".into(),
                step: "complete".into(),
                phase_time: now,
                action_time: now,
                step_time: now,
                ..LifecycleState::default()
            },
        };
        let Some(md) = self.ilm_policies.get(&policy_name).cloned() else {
            state.failed_step = Some(state.step.clone())
                .filter(|s| s != "ERROR")
                .or(state.failed_step);
            state.step = "ERROR".into();
            state.step_info = Some(error_info(format!("policy [{policy_name}] does not exist")));
            self.ilm_states.insert(index.name.clone(), state);
            return Vec::new();
        };
        if state.step == "ERROR" {
            state.step = state
                .failed_step
                .take()
                .unwrap_or_else(|| "complete".into());
            state.step_info = None;
        }
        let mut out = Vec::new();
        let lifecycle_date = self.lifecycle_date(index);
        for _ in 0..16 {
            if state.action == "complete" {
                let current = PhaseName::parse(&state.phase);
                let next = md
                    .policy
                    .phases
                    .iter()
                    .find(|(name, _)| current.is_none_or(|c| **name > c));
                let Some((next_name, next_phase)) = next else {
                    break;
                };
                if now.saturating_sub(lifecycle_date) < next_phase.min_age.millis() {
                    break;
                }
                state.phase = next_name.as_str().into();
                state.phase_time = now;
                state.phase_definition = Some(phase_definition(next_phase));
                state.policy_version = md.version;
                state.policy_modified_date = md.modified_date;
                match next_phase.actions.first() {
                    Some(first) => set_action(&mut state, first.name(), first.step(), now),
                    None => set_action(&mut state, "complete", "complete", now),
                }
                continue;
            }
            let Some(phase) = PhaseName::parse(&state.phase).and_then(|p| md.policy.phases.get(&p))
            else {
                set_action(&mut state, "complete", "complete", now);
                break;
            };
            let Some(position) = phase.actions.iter().position(|a| a.name() == state.action) else {
                set_action(&mut state, "complete", "complete", now);
                continue;
            };
            let action = &phase.actions[position];
            let done = match action {
                LifecycleAction::Rollover(conditions) => {
                    if self.rollover_date(&index.name).is_some() {
                        true
                    } else {
                        match self.rollover_target(&index.name) {
                            None => {
                                let reason = format!(
                                    "setting [index.lifecycle.rollover_alias] for index [{}] is empty or not defined",
                                    index.name
                                );
                                state.failed_step = Some(state.step.clone());
                                state.step = "ERROR".into();
                                state.step_time = now;
                                state.step_info = Some(error_info(reason));
                                break;
                            }
                            Some(target) => {
                                let stats = RolloverStats {
                                    creation_date: index.creation_date,
                                    docs: facts.docs,
                                    size_bytes: facts.primary_size_bytes,
                                    max_primary_shard_size: facts.primary_size_bytes,
                                    max_primary_shard_docs: facts.docs,
                                };
                                if effective_rollover_conditions(conditions).met(&stats, now) {
                                    out.push(IlmAction::Rollover { target });
                                }
                                break;
                            }
                        }
                    }
                }
                LifecycleAction::SetPriority(p) => {
                    out.push(IlmAction::SetPriority(*p));
                    true
                }
                LifecycleAction::ReadOnly => {
                    out.push(IlmAction::ReadOnly);
                    true
                }
                LifecycleAction::ForceMerge {
                    max_num_segments,
                    index_codec,
                } => {
                    out.push(IlmAction::ForceMerge {
                        max_num_segments: *max_num_segments,
                        index_codec: index_codec.clone(),
                    });
                    true
                }
                LifecycleAction::Delete { .. } => {
                    let write_of = self
                        .data_streams
                        .iter()
                        .find(|(_, ds)| ds.write_index() == Some(index.name.as_str()))
                        .map(|(name, _)| name.clone());
                    match write_of {
                        // DeleteStep: a data stream's write index is never deleted; a manual
                        // rollover lets the policy go on.
                        Some(ds) => {
                            state.failed_step = Some(state.step.clone());
                            state.step = "ERROR".into();
                            state.step_time = now;
                            state.step_info = Some(json!({
                                "type": "illegal_state_exception",
                                "reason": format!(
                                    "index [{}] is the write index for data stream [{ds}]. stopping execution of lifecycle [{policy_name}] as a data stream's write index cannot be deleted. manually rolling over the index will resume the execution of the policy as the index will not be the data stream's write index anymore",
                                    index.name
                                ),
                            }));
                        }
                        None => out.push(IlmAction::Delete),
                    }
                    break;
                }
            };
            if done {
                match phase.actions.get(position + 1) {
                    Some(next) => set_action(&mut state, next.name(), next.step(), now),
                    None => set_action(&mut state, "complete", "complete", now),
                }
            }
        }
        self.ilm_states.insert(index.name.clone(), state);
        out
    }

    /// `GET <indices>/_ilm/explain` over the resolved `indices` at `now`; `human` adds the
    /// ISO twins of the `*_millis` fields.
    pub fn ilm_explain(&self, indices: &[ConcreteIndex], now: i64, human: bool) -> Value {
        let mut out = Map::new();
        for index in indices {
            out.insert(index.name.clone(), self.explain_one(index, now, human));
        }
        json!({"indices": out})
    }

    fn explain_one(&self, index: &ConcreteIndex, now: i64, human: bool) -> Value {
        let mut out = Map::new();
        out.insert("index".into(), json!(index.name));
        let Some(policy) = &index.lifecycle_name else {
            out.insert("managed".into(), json!(false));
            return Value::Object(out);
        };
        let time_field = |out: &mut Map<String, Value>, name: &str, human_name: &str, ms: i64| {
            if human && let Ok(at) = timestamp_from_millis(ms) {
                out.insert(human_name.into(), json!(format_iso_millis(at)));
            }
            out.insert(name.into(), json!(ms));
        };
        time_field(
            &mut out,
            "index_creation_date_millis",
            "index_creation_date",
            index.creation_date,
        );
        out.insert("managed".into(), json!(true));
        out.insert("policy".into(), json!(policy));
        out.insert(
            "time_since_index_creation".into(),
            json!(format_time(
                millis(now.saturating_sub(index.creation_date)),
                2
            )),
        );
        let lifecycle_date = self.lifecycle_date(index);
        time_field(
            &mut out,
            "lifecycle_date_millis",
            "lifecycle_date",
            lifecycle_date,
        );
        out.insert(
            "age".into(),
            json!(format_time(millis(now.saturating_sub(lifecycle_date)), 2)),
        );
        if let Some(state) = self.ilm_states.get(&index.name) {
            out.insert("phase".into(), json!(state.phase));
            time_field(
                &mut out,
                "phase_time_millis",
                "phase_time",
                state.phase_time,
            );
            out.insert("action".into(), json!(state.action));
            time_field(
                &mut out,
                "action_time_millis",
                "action_time",
                state.action_time,
            );
            out.insert("step".into(), json!(state.step));
            time_field(&mut out, "step_time_millis", "step_time", state.step_time);
            if let Some(failed) = &state.failed_step {
                out.insert("failed_step".into(), json!(failed));
                out.insert("is_auto_retryable_error".into(), json!(true));
                out.insert("failed_step_retry_count".into(), json!(0));
            }
            if let Some(info) = &state.step_info {
                out.insert("step_info".into(), info.clone());
            }
            if let Some(definition) = &state.phase_definition {
                let mut execution = Map::new();
                execution.insert("policy".into(), json!(state.policy));
                execution.insert("phase_definition".into(), definition.clone());
                execution.insert("version".into(), json!(state.policy_version));
                if human && let Ok(at) = timestamp_from_millis(state.policy_modified_date) {
                    execution.insert("modified_date".into(), json!(format_iso_millis(at)));
                }
                execution.insert(
                    "modified_date_in_millis".into(),
                    json!(state.policy_modified_date),
                );
                out.insert("phase_execution".into(), Value::Object(execution));
            }
        } else if !self.ilm_policies.contains_key(policy) {
            out.insert("step".into(), json!("ERROR"));
            out.insert(
                "step_info".into(),
                error_info(format!("policy [{policy}] does not exist")),
            );
        }
        out.insert("skip".into(), json!(false));
        Value::Object(out)
    }
}

fn set_action(state: &mut LifecycleState, action: &str, step: &str, now: i64) {
    state.action = action.into();
    state.action_time = now;
    state.step = step.into();
    state.step_time = now;
}

/// `ZonedDateTime.toString` in UTC: seconds and fractions only when non-zero
/// (`2024-01-02T03:04Z`, `2024-01-02T03:04:05.678Z`).
fn java_zoned_date_time(at: jiff::Timestamp) -> String {
    let iso = format_iso_millis(at);
    // `2024-01-02T03:04:05.678Z`
    let (date_time, _) = iso.split_once('Z').unwrap_or((&iso, ""));
    let (hm_s, millis) = date_time.rsplit_once('.').unwrap_or((date_time, "000"));
    let (hm, seconds) = hm_s.rsplit_once(':').unwrap_or((hm_s, "00"));
    if millis != "000" {
        format!("{hm}:{seconds}.{millis}Z")
    } else if seconds != "00" {
        format!("{hm}:{seconds}Z")
    } else {
        format!("{hm}Z")
    }
}

#[cfg(test)]
#[path = "ilm_tests.rs"]
mod tests;
