//! Data streams: creation from a matching `data_stream` template (name rules and texts of
//! `MetadataCreateDataStreamService`), backing index names (`DataStream.getDefaultBackingIndexName`:
//! `.ds-<name>-<uuuu.MM.dd>-<6-digit generation>`), deletion (the service deletes the backing
//! indices it is handed), the write index's protection, `GET _data_stream` and
//! `_data_stream/_stats` bodies, and the create-only rule for writes.

use std::collections::BTreeMap;

use ironstack_types::HealthStatus;
use ironstack_types::date::timestamp_from_millis;
use ironstack_types::date_math_name::JavaPattern;
use ironstack_types::wildcard::simple_match;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::compose::{BACKING_INDEX_PREFIX, ComposedIndex, CreateIndexBody};
use super::settings::string_setting;
use super::{Checks, ConcreteIndex, Metadata};
use crate::error::{Result, StoreError};
use crate::mapping::names::check_index_or_alias_name;

/// A failure store index name starts with this.
const FAILURE_STORE_PREFIX: &str = ".fs-";

/// One data stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DataStream {
    /// Backing indices, oldest first; the last one takes writes.
    pub indices: Vec<String>,
    /// `generation`.
    pub generation: u64,
    /// `_meta` (from the template at creation).
    pub meta: Option<Map<String, Value>>,
    /// `hidden`.
    pub hidden: bool,
    /// `allow_custom_routing`.
    pub allow_custom_routing: bool,
    /// `rollover_on_write` (lazy rollover pending).
    pub rollover_on_write: bool,
}

impl DataStream {
    /// The write index.
    pub fn write_index(&self) -> Option<&str> {
        self.indices.last().map(String::as_str)
    }
}

/// `DataStream.getDefaultBackingIndexName`: `.ds-<name>-<uuuu.MM.dd>-<generation, 6 digits>`
/// with the date of `millis` in UTC.
pub fn backing_index_name(data_stream: &str, generation: u64, millis: i64) -> String {
    let date = timestamp_from_millis(millis)
        .ok()
        .and_then(|at| {
            JavaPattern::new("uuuu.MM.dd")
                .ok()
                .map(|p| p.format(at, &TimeZone::UTC))
        })
        .unwrap_or_default();
    format!("{BACKING_INDEX_PREFIX}{data_stream}-{date}-{generation:06}")
}

/// What a write does, for the data stream create-only rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteKind {
    /// `index` with `op_type=create`, or `_create`.
    Create,
    /// `index` without `op_type=create`.
    Index,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
}

/// A data stream about to be created: what the service creates in the backend, then hands
/// back to [`Metadata::commit_data_stream`].
#[derive(Debug, Clone, PartialEq)]
pub struct DataStreamPlan {
    /// The data stream.
    pub name: String,
    /// The template it comes from.
    pub template: String,
    /// The first backing index, composed.
    pub backing_index: ComposedIndex,
    /// When the stream is created (epoch ms).
    pub created: i64,
}

impl Metadata {
    /// A data stream by name.
    pub fn data_stream(&self, name: &str) -> Option<&DataStream> {
        self.data_streams.get(name)
    }

    /// Names of every data stream.
    pub fn data_stream_names(&self) -> Vec<String> {
        self.data_streams.keys().cloned().collect()
    }

    /// Whether a write to `name` (missing) would auto-create a data stream: the template it
    /// matches makes data streams.
    pub fn matches_data_stream_template(&self, name: &str) -> bool {
        self.find_index_template(name, false)
            .ok()
            .flatten()
            .and_then(|t| self.index_templates.get(&t))
            .is_some_and(|t| t.data_stream.is_some())
    }

    /// The `allow_auto_create` of the template `name` matches, if it sets one (it overrides
    /// `action.auto_create_index`).
    pub fn template_allow_auto_create(&self, name: &str) -> Option<bool> {
        self.find_index_template(name, false)
            .ok()
            .flatten()
            .and_then(|t| self.index_templates.get(&t))
            .and_then(|t| t.allow_auto_create)
    }

    /// Checks a data stream creation (`PUT _data_stream/<name>` or a first write) and
    /// composes its first backing index, in Elasticsearch's order: existence, name rules,
    /// then the template.
    pub fn plan_data_stream(
        &self,
        name: &str,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<DataStreamPlan> {
        if self.data_streams.contains_key(name) {
            return Err(StoreError::ResourceAlreadyExists(format!(
                "data_stream [{name}] already exists"
            )));
        }
        check_index_or_alias_name(name, |n, reason| {
            StoreError::IllegalArgument(format!("data_stream [{n}] {reason}"))
        })?;
        if name.to_lowercase() != name {
            return Err(StoreError::IllegalArgument(format!(
                "data_stream [{name}] must be lowercase"
            )));
        }
        for prefix in [BACKING_INDEX_PREFIX, FAILURE_STORE_PREFIX] {
            if name.starts_with(prefix) {
                return Err(StoreError::IllegalArgument(format!(
                    "data_stream [{name}] must not start with '{prefix}'"
                )));
            }
        }
        let template_name = self.find_index_template(name, false)?.ok_or_else(|| {
            StoreError::IllegalArgument(format!(
                "no matching index template found for data stream [{name}]"
            ))
        })?;
        let template = self.index_templates.get(&template_name).ok_or_else(|| {
            StoreError::IllegalArgument(format!(
                "no matching index template found for data stream [{name}]"
            ))
        })?;
        if template.data_stream.is_none() {
            return Err(StoreError::IllegalArgument(format!(
                "matching index template [{template_name}] for data stream [{name}] has no data stream template"
            )));
        }
        if concrete.iter().any(|c| c.name == name) {
            return Err(StoreError::IllegalState(format!(
                "data stream [{name}] conflicts with index"
            )));
        }
        if self.alias_views().contains_key(name) {
            return Err(StoreError::IllegalState(format!(
                "index, alias, and data stream names need to be unique, but the following duplicates were found [{name} (alias of data stream or index)]"
            )));
        }
        let backing = backing_index_name(name, 1, now);
        if concrete.iter().any(|c| c.name == backing) {
            return Err(StoreError::IllegalArgument(format!(
                "data stream could not be created because backing index [{backing}] already exists"
            )));
        }
        let composed =
            self.compose_backing_index(&backing, &template_name, concrete, checks, now)?;
        Ok(DataStreamPlan {
            name: name.to_string(),
            template: template_name,
            backing_index: composed,
            created: now,
        })
    }

    /// Composes a backing index (hidden, with the data stream mapping) from the data
    /// stream's template.
    pub(crate) fn compose_backing_index(
        &self,
        backing: &str,
        template: &str,
        concrete: &[ConcreteIndex],
        checks: &dyn Checks,
        now: i64,
    ) -> Result<ComposedIndex> {
        let mut body = CreateIndexBody::default();
        body.settings
            .insert("index.hidden".into(), Value::String("true".into()));
        self.compose_with_template(
            backing,
            &body,
            Some(template.to_string()),
            true,
            concrete,
            checks,
            now,
        )
    }

    /// Records a data stream once the service created its first backing index: the stream,
    /// and its template's aliases as data stream aliases.
    pub fn commit_data_stream(&mut self, plan: &DataStreamPlan) -> Result<()> {
        if self.data_streams.contains_key(&plan.name) {
            return Err(StoreError::ResourceAlreadyExists(format!(
                "data_stream [{}] already exists",
                plan.name
            )));
        }
        let template = self
            .index_templates
            .get(&plan.template)
            .cloned()
            .unwrap_or_default();
        let ds_template = template.data_stream.unwrap_or_default();
        let stream = DataStream {
            indices: vec![plan.backing_index.name.clone()],
            generation: 1,
            meta: template.meta.clone(),
            hidden: ds_template.hidden,
            allow_custom_routing: ds_template.allow_custom_routing,
            rollover_on_write: false,
        };
        let mut next = self.clone();
        next.data_streams.insert(plan.name.clone(), stream);
        for aliases in self.resolve_aliases(&template) {
            for (alias, md) in aliases {
                next.put_data_stream_alias(
                    &alias,
                    &plan.name,
                    md.is_write_index,
                    md.filter.clone(),
                );
            }
        }
        *self = next;
        Ok(())
    }

    /// Data streams named by `names` (exact names, wildcards, `_all`/`*`); hidden streams
    /// are reached by wildcards only with `expand_hidden` (or a pattern starting with `.`).
    /// A missing exact name is `index_not_found_exception`.
    pub fn resolve_data_streams(
        &self,
        names: &[String],
        expand_hidden: bool,
    ) -> Result<Vec<String>> {
        let names: Vec<String> = if names.is_empty() {
            vec!["*".into()]
        } else {
            names.to_vec()
        };
        let mut out: Vec<String> = Vec::new();
        for expression in &names {
            if expression == "_all" || expression.contains('*') {
                let pattern = if expression == "_all" {
                    "*"
                } else {
                    expression.as_str()
                };
                for (name, ds) in &self.data_streams {
                    let visible = !ds.hidden
                        || expand_hidden
                        || (pattern.starts_with('.') && name.starts_with('.'));
                    if visible && simple_match(pattern, name) && !out.contains(name) {
                        out.push(name.clone());
                    }
                }
            } else if self.data_streams.contains_key(expression) {
                if !out.contains(expression) {
                    out.push(expression.clone());
                }
            } else {
                return Err(StoreError::index_not_found(expression.clone()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// `DELETE _data_stream/<names>`: forgets the streams and their aliases and returns their
    /// backing indices, which the service deletes.
    pub fn delete_data_streams(
        &mut self,
        names: &[String],
        expand_hidden: bool,
    ) -> Result<Vec<String>> {
        let streams = self.resolve_data_streams(names, expand_hidden)?;
        let mut backing = Vec::new();
        let mut next = self.clone();
        for name in &streams {
            if let Some(ds) = next.data_streams.remove(name) {
                for index in &ds.indices {
                    next.index_aliases.remove(index);
                    next.ilm_states.remove(index);
                    next.rollover_dates.remove(index);
                }
                backing.extend(ds.indices);
            }
            let aliases: Vec<String> = next
                .data_stream_aliases
                .iter()
                .filter(|(_, a)| a.data_streams.iter().any(|d| d == name))
                .map(|(n, _)| n.clone())
                .collect();
            for alias in aliases {
                next.remove_data_stream_alias(&alias, name);
            }
        }
        *self = next;
        Ok(backing)
    }

    /// Refuses to delete an index that is a data stream's write index
    /// (`MetadataDeleteIndexService`).
    pub fn check_index_deletable(&self, index: &str) -> Result<()> {
        for (name, ds) in &self.data_streams {
            if ds.write_index() == Some(index) {
                return Err(StoreError::IllegalArgument(format!(
                    "index [{index}] is the write index for data stream [{name}] and cannot be deleted"
                )));
            }
        }
        Ok(())
    }

    /// The create-only rule: writes addressed to a data stream by its name must be
    /// `op_type=create`.
    pub fn check_data_stream_write(&self, target: &str, kind: WriteKind) -> Result<()> {
        if kind != WriteKind::Create && self.data_streams.contains_key(target) {
            return Err(StoreError::IllegalArgument(
                "only write ops with an op_type of create are allowed in data streams".into(),
            ));
        }
        Ok(())
    }

    /// `GET _data_stream[/<names>]`. `concrete` gives each backing index's uuid, health and
    /// `index.lifecycle.name`.
    pub fn get_data_streams(
        &self,
        names: &[String],
        expand_hidden: bool,
        concrete: &[ConcreteIndex],
    ) -> Result<Value> {
        let streams = self.resolve_data_streams(names, expand_hidden)?;
        let by_name: BTreeMap<&str, &ConcreteIndex> =
            concrete.iter().map(|c| (c.name.as_str(), c)).collect();
        let mut list = Vec::new();
        for name in &streams {
            let Some(ds) = self.data_streams.get(name) else {
                continue;
            };
            let template = self.find_index_template(name, false).ok().flatten();
            let template_settings = template
                .as_ref()
                .and_then(|t| self.index_templates.get(t))
                .map(|t| self.resolve_settings(t))
                .unwrap_or_default();
            let ilm_policy =
                string_setting(&template_settings, "index.lifecycle.name").map(String::from);
            let prefer_ilm = string_setting(&template_settings, "index.lifecycle.prefer_ilm")
                .is_none_or(|v| v != "false");
            let mut status = HealthStatus::Green;
            let mut indices = Vec::new();
            for index in &ds.indices {
                let info = by_name.get(index.as_str());
                if let Some(info) = info {
                    status = status.min(info.health);
                }
                let policy = info.and_then(|i| i.lifecycle_name.clone());
                let mut entry = Map::new();
                entry.insert("index_name".into(), json!(index));
                entry.insert(
                    "index_uuid".into(),
                    json!(info.map_or("_na_", |i| i.uuid.as_str())),
                );
                entry.insert("managed_by".into(), json!(managed_by(policy.is_some())));
                entry.insert("prefer_ilm".into(), json!(true));
                if let Some(p) = policy {
                    entry.insert("ilm_policy".into(), json!(p));
                }
                entry.insert("index_mode".into(), json!("standard"));
                indices.push(Value::Object(entry));
            }
            let mut out = Map::new();
            out.insert("name".into(), json!(name));
            out.insert("timestamp_field".into(), json!({"name": "@timestamp"}));
            out.insert("indices".into(), Value::Array(indices));
            out.insert("generation".into(), json!(ds.generation));
            if let Some(meta) = &ds.meta {
                out.insert("_meta".into(), Value::Object(meta.clone()));
            }
            out.insert("status".into(), json!(status.as_str().to_uppercase()));
            if let Some(t) = &template {
                out.insert("template".into(), json!(t));
            }
            if let Some(p) = &ilm_policy {
                out.insert("ilm_policy".into(), json!(p));
            }
            out.insert(
                "next_generation_managed_by".into(),
                json!(managed_by(ilm_policy.is_some())),
            );
            out.insert("prefer_ilm".into(), json!(prefer_ilm));
            out.insert("hidden".into(), json!(ds.hidden));
            out.insert("system".into(), json!(false));
            out.insert(
                "allow_custom_routing".into(),
                json!(ds.allow_custom_routing),
            );
            out.insert("replicated".into(), json!(false));
            out.insert("rollover_on_write".into(), json!(ds.rollover_on_write));
            out.insert("index_mode".into(), json!("standard"));
            out.insert("settings".into(), json!({}));
            out.insert(
                "failure_store".into(),
                json!({"enabled": false, "rollover_on_write": true, "indices": []}),
            );
            list.push(Value::Object(out));
        }
        Ok(json!({"data_streams": list}))
    }

    /// `GET _data_stream[/<names>]/_stats`. `stats` gives, per backing index, its store size,
    /// its greatest `@timestamp` and its shard count.
    pub fn data_stream_stats(
        &self,
        names: &[String],
        expand_hidden: bool,
        stats: &BTreeMap<String, BackingIndexStats>,
        human: bool,
    ) -> Result<Value> {
        let streams = self.resolve_data_streams(names, expand_hidden)?;
        let mut shards = 0u64;
        let mut backing_total = 0u64;
        let mut total_size = 0u64;
        let mut list = Vec::new();
        for name in &streams {
            let Some(ds) = self.data_streams.get(name) else {
                continue;
            };
            let mut size = 0u64;
            let mut max_ts: Option<i64> = None;
            for index in &ds.indices {
                if let Some(s) = stats.get(index) {
                    size = size.saturating_add(s.store_size_bytes);
                    shards = shards.saturating_add(u64::from(s.shards));
                    max_ts = max_ts.max(s.max_timestamp);
                }
            }
            backing_total += ds.indices.len() as u64;
            total_size = total_size.saturating_add(size);
            let mut entry = Map::new();
            entry.insert("data_stream".into(), json!(name));
            entry.insert("backing_indices".into(), json!(ds.indices.len()));
            if human {
                entry.insert(
                    "store_size".into(),
                    json!(super::rollover::format_bytes(size)),
                );
            }
            entry.insert("store_size_bytes".into(), json!(size));
            entry.insert("maximum_timestamp".into(), json!(max_ts.unwrap_or(0)));
            list.push(Value::Object(entry));
        }
        let mut out = Map::new();
        out.insert(
            "_shards".into(),
            json!({"total": shards, "successful": shards, "failed": 0}),
        );
        out.insert("data_stream_count".into(), json!(streams.len()));
        out.insert("backing_indices".into(), json!(backing_total));
        if human {
            out.insert(
                "total_store_size".into(),
                json!(super::rollover::format_bytes(total_size)),
            );
        }
        out.insert("total_store_size_bytes".into(), json!(total_size));
        out.insert("data_streams".into(), Value::Array(list));
        Ok(Value::Object(out))
    }
}

/// Per backing index figures for `_data_stream/_stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackingIndexStats {
    /// Bytes on disk.
    pub store_size_bytes: u64,
    /// The greatest `@timestamp` (epoch ms), if any document.
    pub max_timestamp: Option<i64>,
    /// Shard copies (primaries and assigned replicas).
    pub shards: u32,
}

fn managed_by(ilm: bool) -> &'static str {
    if ilm {
        "Index Lifecycle Management"
    } else {
        "Unmanaged"
    }
}

#[cfg(test)]
#[path = "data_streams_tests.rs"]
mod tests;
