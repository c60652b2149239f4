//! Index settings: the `settings` of `PUT /<index>` and `PUT /<index>/_settings` read as
//! Elasticsearch reads them (nested or flat, with or without the `index.` prefix, values as
//! strings, numbers or booleans), validated against the settings an index has
//! (`IndexScopedSettings`) with Elasticsearch's messages, including its "did you mean"
//! suggestion for a misspelt key. [`Settings`] keeps them flat with string values, exactly as
//! `GET /<index>/_settings?flat_settings` shows them; [`IndexSettings`] is the typed reading
//! the engine uses.
//!
//! Only settings this node honours or can honestly echo are known. An unknown key is refused
//! the way Elasticsearch refuses a key no plugin registered.

use std::collections::BTreeMap;
use std::time::Duration;

use ironstack_types::TimeValue;
use serde_json::{Map, Value};

use super::MappingLimits;
use crate::{Result, StoreError};

/// `index.translog.durability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Fsync before acknowledging each request (the default).
    #[default]
    Request,
    /// Fsync in the background every `index.translog.sync_interval`.
    Async,
}

/// `index.codec`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Codec {
    /// `default` (LZ4).
    #[default]
    Default,
    /// `best_compression` (ZSTD).
    BestCompression,
}

/// An index's settings as the engine and the query layer use them.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSettings {
    /// `index.number_of_shards` (echoed; the store keeps one physical shard).
    pub number_of_shards: u32,
    /// `index.number_of_replicas` (echoed; a single node allocates none).
    pub number_of_replicas: u32,
    /// `index.refresh_interval`; `None` for `-1` (no periodic refresh).
    pub refresh_interval: Option<Duration>,
    /// Whether `index.refresh_interval` was set explicitly: an index without it stops
    /// refreshing while search-idle (`index.search.idle.after`).
    pub refresh_interval_explicit: bool,
    /// `index.search.idle.after`.
    pub search_idle_after: Duration,
    /// `index.max_result_window`.
    pub max_result_window: u32,
    /// `index.max_inner_result_window`.
    pub max_inner_result_window: u32,
    /// `index.max_docvalue_fields_search`.
    pub max_docvalue_fields_search: u32,
    /// `index.max_terms_count`.
    pub max_terms_count: u32,
    /// `index.max_regex_length`.
    pub max_regex_length: u32,
    /// `index.max_refresh_listeners`.
    pub max_refresh_listeners: u32,
    /// `index.translog.durability`.
    pub durability: Durability,
    /// `index.translog.sync_interval`.
    pub sync_interval: Duration,
    /// `index.codec`.
    pub codec: Codec,
    /// `index.hidden`.
    pub hidden: bool,
    /// `index.mapping.*` limits and defaults, as document parsing applies them.
    pub mapping: MappingLimits,
    /// `index.query.default_field`.
    pub default_field: Vec<String>,
    /// `index.gc_deletes`; `None` for `-1`.
    pub gc_deletes: Option<Duration>,
    /// `index.default_pipeline`, `None` for `_none`.
    pub default_pipeline: Option<String>,
    /// `index.final_pipeline`, `None` for `_none`.
    pub final_pipeline: Option<String>,
    /// `index.blocks.*`.
    pub blocks: Blocks,
    /// `index.lifecycle.name`, `None` when unset or empty.
    pub lifecycle_name: Option<String>,
    /// `index.lifecycle.rollover_alias`, `None` when unset or empty.
    pub lifecycle_rollover_alias: Option<String>,
    /// `index.priority`.
    pub priority: u32,
}

/// `index.blocks.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Blocks {
    /// `index.blocks.read_only`.
    pub read_only: bool,
    /// `index.blocks.read_only_allow_delete`.
    pub read_only_allow_delete: bool,
    /// `index.blocks.read`.
    pub read: bool,
    /// `index.blocks.write`.
    pub write: bool,
    /// `index.blocks.metadata`.
    pub metadata: bool,
}

/// What an index was created as: the private settings Elasticsearch sets itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexIdentity {
    /// `index.provided_name`: the name as requested (a date-math expression resolves to
    /// another name).
    pub provided_name: String,
    /// `index.uuid`.
    pub uuid: String,
    /// `index.creation_date`, epoch milliseconds.
    pub creation_date: i64,
    /// `index.version.created`.
    pub version_created: String,
}

/// The index a `PUT /<index>/_settings` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateTarget<'a> {
    /// Index name.
    pub name: &'a str,
    /// Index uuid.
    pub uuid: &'a str,
    /// Whether it is open (only dynamic settings change on an open index).
    pub open: bool,
}

/// Validated settings of one index: flat `index.*` keys, values as strings (lists as
/// arrays of strings).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Settings {
    flat: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Updatable on an open index.
    Dynamic,
    /// Updatable on a closed index only.
    Static,
    /// Never updatable.
    Final,
    /// Set by the node only.
    Private,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Int { min: i64, max: i64 },
    Long { min: i64 },
    Bool,
    Time { min: Option<(i64, &'static str)> },
    Bytes,
    Str,
    List,
    Durability,
    Codec,
    IndexMode,
    AutoExpandReplicas,
    Pipeline,
}

struct Def {
    key: &'static str,
    kind: Kind,
    default: Option<&'static str>,
    scope: Scope,
}

const fn def(key: &'static str, kind: Kind, default: Option<&'static str>, scope: Scope) -> Def {
    Def {
        key,
        kind,
        default,
        scope,
    }
}

const INT: i64 = i32::MAX as i64;

/// The index settings this node knows, with Elasticsearch's defaults, bounds and scopes.
const DEFS: &[Def] = &[
    def(
        "index.number_of_shards",
        Kind::Int { min: 1, max: 1024 },
        Some("1"),
        Scope::Final,
    ),
    def(
        "index.number_of_replicas",
        Kind::Int { min: 0, max: INT },
        Some("1"),
        Scope::Dynamic,
    ),
    def(
        "index.number_of_routing_shards",
        Kind::Int { min: 1, max: 1024 },
        None,
        Scope::Final,
    ),
    def(
        "index.routing_partition_size",
        Kind::Int { min: 1, max: 1024 },
        Some("1"),
        Scope::Final,
    ),
    def(
        "index.auto_expand_replicas",
        Kind::AutoExpandReplicas,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.refresh_interval",
        Kind::Time {
            min: Some((-1, "-1")),
        },
        Some("1s"),
        Scope::Dynamic,
    ),
    def(
        "index.search.idle.after",
        Kind::Time {
            min: Some((0, "0ms")),
        },
        Some("30s"),
        Scope::Dynamic,
    ),
    def(
        "index.max_result_window",
        Kind::Int { min: 1, max: INT },
        Some("10000"),
        Scope::Dynamic,
    ),
    def(
        "index.max_inner_result_window",
        Kind::Int { min: 1, max: INT },
        Some("100"),
        Scope::Dynamic,
    ),
    def(
        "index.max_rescore_window",
        Kind::Int { min: 1, max: INT },
        Some("10000"),
        Scope::Dynamic,
    ),
    def(
        "index.max_docvalue_fields_search",
        Kind::Int { min: 0, max: INT },
        Some("100"),
        Scope::Dynamic,
    ),
    def(
        "index.max_script_fields",
        Kind::Int { min: 0, max: INT },
        Some("32"),
        Scope::Dynamic,
    ),
    def(
        "index.max_terms_count",
        Kind::Int { min: 1, max: INT },
        Some("65536"),
        Scope::Dynamic,
    ),
    def(
        "index.max_regex_length",
        Kind::Int { min: 1, max: INT },
        Some("1000"),
        Scope::Dynamic,
    ),
    def(
        "index.max_ngram_diff",
        Kind::Int { min: 0, max: INT },
        Some("1"),
        Scope::Dynamic,
    ),
    def(
        "index.max_shingle_diff",
        Kind::Int { min: 0, max: INT },
        Some("3"),
        Scope::Dynamic,
    ),
    def(
        "index.max_refresh_listeners",
        Kind::Int { min: 0, max: INT },
        Some("1000"),
        Scope::Dynamic,
    ),
    def(
        "index.max_slices_per_scroll",
        Kind::Int { min: 1, max: INT },
        Some("1024"),
        Scope::Dynamic,
    ),
    def(
        "index.highlight.max_analyzed_offset",
        Kind::Int { min: 1, max: INT },
        Some("1000000"),
        Scope::Dynamic,
    ),
    def(
        "index.query.default_field",
        Kind::List,
        Some("*"),
        Scope::Dynamic,
    ),
    def(
        "index.query_string.lenient",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.translog.durability",
        Kind::Durability,
        Some("REQUEST"),
        Scope::Dynamic,
    ),
    def(
        "index.translog.sync_interval",
        Kind::Time {
            min: Some((100, "100ms")),
        },
        Some("5s"),
        Scope::Dynamic,
    ),
    def(
        "index.translog.flush_threshold_size",
        Kind::Bytes,
        Some("10gb"),
        Scope::Dynamic,
    ),
    def("index.codec", Kind::Codec, Some("default"), Scope::Static),
    def(
        "index.mode",
        Kind::IndexMode,
        Some("standard"),
        Scope::Final,
    ),
    def("index.hidden", Kind::Bool, Some("false"), Scope::Dynamic),
    def(
        "index.mapping.total_fields.limit",
        Kind::Long { min: 0 },
        Some("1000"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.total_fields.ignore_dynamic_beyond_limit",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.depth.limit",
        Kind::Long { min: 1 },
        Some("20"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.nested_fields.limit",
        Kind::Long { min: 0 },
        Some("100"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.nested_objects.limit",
        Kind::Long { min: 0 },
        Some("10000"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.field_name_length.limit",
        Kind::Long { min: 1 },
        Some("9223372036854775807"),
        Scope::Dynamic,
    ),
    def(
        "index.mapping.ignore_malformed",
        Kind::Bool,
        Some("false"),
        Scope::Static,
    ),
    def(
        "index.mapping.coerce",
        Kind::Bool,
        Some("true"),
        Scope::Static,
    ),
    def(
        "index.gc_deletes",
        Kind::Time {
            min: Some((-1, "-1")),
        },
        Some("60s"),
        Scope::Dynamic,
    ),
    def(
        "index.default_pipeline",
        Kind::Pipeline,
        Some("_none"),
        Scope::Dynamic,
    ),
    def(
        "index.final_pipeline",
        Kind::Pipeline,
        Some("_none"),
        Scope::Dynamic,
    ),
    def(
        "index.priority",
        Kind::Int { min: 0, max: INT },
        Some("1"),
        Scope::Dynamic,
    ),
    def(
        "index.blocks.read_only",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.blocks.read_only_allow_delete",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.blocks.read",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.blocks.write",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.blocks.metadata",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def("index.lifecycle.name", Kind::Str, Some(""), Scope::Dynamic),
    def(
        "index.lifecycle.rollover_alias",
        Kind::Str,
        Some(""),
        Scope::Dynamic,
    ),
    def(
        "index.lifecycle.origination_date",
        Kind::Long { min: -1 },
        Some("-1"),
        Scope::Dynamic,
    ),
    def(
        "index.lifecycle.parse_origination_date",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.lifecycle.indexing_complete",
        Kind::Bool,
        Some("false"),
        Scope::Dynamic,
    ),
    def(
        "index.lifecycle.prefer_ilm",
        Kind::Bool,
        Some("true"),
        Scope::Dynamic,
    ),
    def(
        "index.requests.cache.enable",
        Kind::Bool,
        Some("true"),
        Scope::Dynamic,
    ),
    def(
        "index.queries.cache.enabled",
        Kind::Bool,
        Some("true"),
        Scope::Static,
    ),
    def(
        "index.write.wait_for_active_shards",
        Kind::Str,
        Some("1"),
        Scope::Dynamic,
    ),
    def(
        "index.unassigned.node_left.delayed_timeout",
        Kind::Time { min: None },
        Some("1m"),
        Scope::Dynamic,
    ),
    def(
        "index.routing.rebalance.enable",
        Kind::Str,
        Some("all"),
        Scope::Dynamic,
    ),
    def(
        "index.routing.allocation.enable",
        Kind::Str,
        Some("all"),
        Scope::Dynamic,
    ),
    def(
        "index.routing.allocation.total_shards_per_node",
        Kind::Int { min: -1, max: INT },
        Some("-1"),
        Scope::Dynamic,
    ),
    def(
        "index.shard.check_on_startup",
        Kind::Str,
        Some("false"),
        Scope::Static,
    ),
    def(
        "index.soft_deletes.enabled",
        Kind::Bool,
        Some("true"),
        Scope::Final,
    ),
    def(
        "index.soft_deletes.retention_lease.period",
        Kind::Time { min: None },
        Some("12h"),
        Scope::Dynamic,
    ),
    def("index.sort.field", Kind::List, None, Scope::Final),
    def("index.sort.order", Kind::List, None, Scope::Final),
    def(
        "index.merge.scheduler.max_thread_count",
        Kind::Int { min: 1, max: INT },
        None,
        Scope::Dynamic,
    ),
    def(
        "index.merge.scheduler.max_merge_count",
        Kind::Int { min: 1, max: INT },
        None,
        Scope::Dynamic,
    ),
    def(
        "index.merge.policy.max_merged_segment",
        Kind::Bytes,
        Some("5gb"),
        Scope::Dynamic,
    ),
    def(
        "index.merge.policy.floor_segment",
        Kind::Bytes,
        Some("2mb"),
        Scope::Dynamic,
    ),
    def("index.store.type", Kind::Str, Some(""), Scope::Static),
    def("index.uuid", Kind::Str, None, Scope::Private),
    def(
        "index.creation_date",
        Kind::Long { min: 0 },
        None,
        Scope::Private,
    ),
    def("index.provided_name", Kind::Str, None, Scope::Private),
    def("index.version.created", Kind::Str, None, Scope::Private),
];

/// Families of settings accepted under a prefix (allocation filters, analysis components,
/// slow-log thresholds): echoed, validated as strings.
const GROUPS: &[(&str, Scope)] = &[
    ("index.routing.allocation.include.", Scope::Dynamic),
    ("index.routing.allocation.exclude.", Scope::Dynamic),
    ("index.routing.allocation.require.", Scope::Dynamic),
    ("index.analysis.", Scope::Static),
    ("index.indexing.slowlog.", Scope::Dynamic),
    ("index.search.slowlog.", Scope::Dynamic),
];

fn find_def(key: &str) -> Option<&'static Def> {
    DEFS.iter().find(|d| d.key == key)
}

fn scope_of(key: &str) -> Option<Scope> {
    find_def(key).map(|d| d.scope).or_else(|| {
        GROUPS
            .iter()
            .find(|(prefix, _)| key.starts_with(prefix) && key.len() > prefix.len())
            .map(|(_, scope)| *scope)
    })
}

impl Settings {
    /// Flattens a `settings` body into `index.*` keys with string values: nested objects
    /// join their keys with dots, keys without the `index.` prefix get it
    /// (`Settings.Builder.normalizePrefix`), numbers and booleans become their text, lists
    /// stay lists, and `null` stays `null` (an update resets such a key).
    pub fn normalize(body: &Value) -> Result<Map<String, Value>> {
        let mut flat = Map::new();
        match body {
            Value::Null => {}
            Value::Object(map) => flatten(&mut flat, "", map)?,
            other => {
                return Err(StoreError::IllegalArgument(format!(
                    "Failed to load settings from [{}]",
                    super::java_text::value(other)
                )));
            }
        }
        Ok(flat
            .into_iter()
            .map(|(k, v)| {
                let key = if k.starts_with("index.") {
                    k
                } else {
                    format!("index.{k}")
                };
                (key, v)
            })
            .collect())
    }

    /// The settings of a new index: the request's settings (after templates), validated,
    /// with `number_of_shards` and `number_of_replicas` filled in and the private settings of
    /// `identity` added. Private settings in the request are refused.
    pub fn for_new_index(body: &Value, identity: &IndexIdentity) -> Result<Settings> {
        let mut flat = Map::new();
        for (key, value) in Self::normalize(body)? {
            if value.is_null() {
                continue;
            }
            if scope_of(&key) == Some(Scope::Private) {
                return Err(StoreError::IllegalArgument(format!(
                    "private index setting [{key}] can not be set explicitly"
                )));
            }
            flat.insert(key, value);
        }
        validate_all(&flat)?;
        for key in ["index.number_of_shards", "index.number_of_replicas"] {
            if !flat.contains_key(key) {
                let default = find_def(key).and_then(|d| d.default).unwrap_or("1");
                flat.insert(key.to_string(), Value::String(default.to_string()));
            }
        }
        flat.insert(
            "index.provided_name".into(),
            Value::String(identity.provided_name.clone()),
        );
        flat.insert(
            "index.creation_date".into(),
            Value::String(identity.creation_date.to_string()),
        );
        flat.insert("index.uuid".into(), Value::String(identity.uuid.clone()));
        flat.insert(
            "index.version.created".into(),
            Value::String(identity.version_created.clone()),
        );
        Ok(Settings { flat })
    }

    /// Settings read back from storage (flat, as [`Settings::flat`] gave them), validated
    /// again so that nothing downstream meets a value it cannot read.
    pub fn from_flat(flat: Map<String, Value>) -> Result<Settings> {
        validate_all(&flat)?;
        Ok(Settings { flat })
    }

    /// The flat settings, values as strings.
    pub fn flat(&self) -> &Map<String, Value> {
        &self.flat
    }

    /// One setting's stored value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.flat.get(key).and_then(Value::as_str)
    }

    /// Applies `PUT /<index>/_settings`: unknown and private keys are refused, non-dynamic
    /// ones only change on a closed index (final ones never), values are validated, and
    /// `null` resets a key to its default.
    pub fn updated(&self, body: &Value, target: UpdateTarget<'_>) -> Result<Settings> {
        let update = Self::normalize(body)?;
        for key in update.keys() {
            match scope_of(key) {
                None => return Err(unknown_setting(key)),
                Some(Scope::Private) => {
                    return Err(StoreError::IllegalArgument(format!(
                        "can not update private setting [{key}]; this setting is managed by Elasticsearch"
                    )));
                }
                Some(_) => {}
            }
        }
        let mut skipped: Vec<&str> = update
            .keys()
            .filter(|k| scope_of(k) != Some(Scope::Dynamic))
            .map(String::as_str)
            .collect();
        skipped.sort_unstable();
        if target.open && !skipped.is_empty() {
            return Err(StoreError::IllegalArgument(format!(
                "Can't update non dynamic settings [[{}]] for open indices [[{}/{}]]",
                skipped.join(", "),
                target.name,
                target.uuid
            )));
        }
        if let Some(key) = skipped.iter().find(|k| scope_of(k) == Some(Scope::Final)) {
            return Err(StoreError::IllegalArgument(format!(
                "final {} setting [{key}], not updateable",
                target.name
            )));
        }
        let mut flat = self.flat.clone();
        for (key, value) in update {
            if value.is_null() {
                flat.remove(&key);
            } else {
                validate_one(&key, &value)?;
                flat.insert(key, value);
            }
        }
        // Elasticsearch keeps an explicit replica count on every index.
        if !flat.contains_key("index.number_of_replicas") {
            flat.insert("index.number_of_replicas".into(), Value::String("1".into()));
        }
        validate_all(&flat)?;
        Ok(Settings { flat })
    }

    /// The settings as `GET /<index>/_settings` shows them: nested under `index` by their
    /// dots, or flat keys with `flat_settings=true`.
    pub fn render(&self, flat_settings: bool) -> Value {
        render(self.flat.iter(), flat_settings)
    }

    /// `include_defaults=true`: the default of every known setting not set on the index.
    pub fn render_defaults(&self, flat_settings: bool) -> Value {
        let defaults: Map<String, Value> = DEFS
            .iter()
            .filter(|d| d.scope != Scope::Private && !self.flat.contains_key(d.key))
            .filter_map(|d| {
                let default = d.default?;
                let value = match d.kind {
                    Kind::List => Value::Array(vec![Value::String(default.into())]),
                    _ => Value::String(default.into()),
                };
                Some((d.key.to_string(), value))
            })
            .collect();
        render(defaults.iter(), flat_settings)
    }

    /// The typed reading of these settings.
    pub fn typed(&self) -> IndexSettings {
        let s = |key: &str| -> String {
            self.get(key)
                .or_else(|| find_def(key).and_then(|d| d.default))
                .unwrap_or_default()
                .to_string()
        };
        let int = |key: &str| s(key).parse::<i64>().unwrap_or(0);
        let u32_of = |key: &str| u32::try_from(int(key).max(0)).unwrap_or(u32::MAX);
        let u64_of = |key: &str| u64::try_from(int(key).max(0)).unwrap_or(u64::MAX);
        let boolean = |key: &str| s(key) == "true";
        let time = |key: &str| {
            TimeValue::parse(&s(key), key)
                .ok()
                .and_then(TimeValue::to_duration)
        };
        let pipeline = |key: &str| Some(s(key)).filter(|p| p != "_none" && !p.is_empty());
        let default_field = match self.flat.get("index.query.default_field") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => vec!["*".to_string()],
        };
        IndexSettings {
            number_of_shards: u32_of("index.number_of_shards"),
            number_of_replicas: u32_of("index.number_of_replicas"),
            refresh_interval: time("index.refresh_interval"),
            refresh_interval_explicit: self.flat.contains_key("index.refresh_interval"),
            search_idle_after: time("index.search.idle.after").unwrap_or(Duration::from_secs(30)),
            max_result_window: u32_of("index.max_result_window"),
            max_inner_result_window: u32_of("index.max_inner_result_window"),
            max_docvalue_fields_search: u32_of("index.max_docvalue_fields_search"),
            max_terms_count: u32_of("index.max_terms_count"),
            max_regex_length: u32_of("index.max_regex_length"),
            max_refresh_listeners: u32_of("index.max_refresh_listeners"),
            durability: if s("index.translog.durability").eq_ignore_ascii_case("async") {
                Durability::Async
            } else {
                Durability::Request
            },
            sync_interval: time("index.translog.sync_interval").unwrap_or(Duration::from_secs(5)),
            codec: if s("index.codec").ends_with("best_compression") {
                Codec::BestCompression
            } else {
                Codec::Default
            },
            hidden: boolean("index.hidden"),
            mapping: MappingLimits {
                total_fields: u64_of("index.mapping.total_fields.limit"),
                ignore_dynamic_beyond_limit: boolean(
                    "index.mapping.total_fields.ignore_dynamic_beyond_limit",
                ),
                depth: u64_of("index.mapping.depth.limit"),
                nested_fields: u64_of("index.mapping.nested_fields.limit"),
                field_name_length: u64_of("index.mapping.field_name_length.limit"),
                ignore_malformed: boolean("index.mapping.ignore_malformed"),
                coerce: boolean("index.mapping.coerce"),
            },
            default_field,
            gc_deletes: time("index.gc_deletes"),
            default_pipeline: pipeline("index.default_pipeline"),
            final_pipeline: pipeline("index.final_pipeline"),
            blocks: Blocks {
                read_only: boolean("index.blocks.read_only"),
                read_only_allow_delete: boolean("index.blocks.read_only_allow_delete"),
                read: boolean("index.blocks.read"),
                write: boolean("index.blocks.write"),
                metadata: boolean("index.blocks.metadata"),
            },
            lifecycle_name: Some(s("index.lifecycle.name")).filter(|n| !n.is_empty()),
            lifecycle_rollover_alias: Some(s("index.lifecycle.rollover_alias"))
                .filter(|n| !n.is_empty()),
            priority: u32_of("index.priority"),
        }
    }
}

/// Whether `key` (flat, with its `index.` prefix) can change on an open index.
pub fn is_dynamic(key: &str) -> bool {
    scope_of(key) == Some(Scope::Dynamic)
}

fn flatten(out: &mut Map<String, Value>, prefix: &str, map: &Map<String, Value>) -> Result<()> {
    for (key, value) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten(out, &path, inner)?,
            Value::Array(items) => {
                let list = items
                    .iter()
                    .map(|item| match item {
                        Value::Object(_) | Value::Array(_) => Err(StoreError::IllegalArgument(
                            "only value lists are allowed in serialized settings".into(),
                        )),
                        scalar => Ok(Value::String(scalar_text(scalar))),
                    })
                    .collect::<Result<Vec<_>>>()?;
                out.insert(path, Value::Array(list));
            }
            Value::Null => {
                out.insert(path, Value::Null);
            }
            scalar => {
                out.insert(path, Value::String(scalar_text(scalar)));
            }
        }
    }
    Ok(())
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn validate_all(flat: &Map<String, Value>) -> Result<()> {
    for (key, value) in flat {
        if scope_of(key).is_none() {
            return Err(unknown_setting(key));
        }
        validate_one(key, value)?;
    }
    Ok(())
}

/// `unknown setting [index.foo]` with Elasticsearch's suggestion: known keys whose Lucene
/// Levenshtein similarity to the given one is above 0.7, best first.
fn unknown_setting(key: &str) -> StoreError {
    let mut scored: Vec<(f32, &str)> = DEFS
        .iter()
        .map(|d| (levenshtein_similarity(key, d.key), d.key))
        .filter(|(score, _)| *score > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let message = match scored.as_slice() {
        [] => format!(
            "unknown setting [{key}] please check that any required plugins are installed, or \
             check the breaking changes documentation for removed settings"
        ),
        [(_, one)] => format!("unknown setting [{key}] did you mean [{one}]?"),
        many => format!(
            "unknown setting [{key}] did you mean any of [{}]?",
            many.iter().map(|(_, k)| *k).collect::<Vec<_>>().join(", ")
        ),
    };
    StoreError::IllegalArgument(message)
}

/// Lucene's `LevenshteinDistance.getDistance`: 1 - edits / longer length, over UTF-16 units.
fn levenshtein_similarity(a: &str, b: &str) -> f32 {
    let a: Vec<u16> = a.encode_utf16().collect();
    let b: Vec<u16> = b.encode_utf16().collect();
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    let mut previous: Vec<usize> = (0..=a.len()).collect();
    let mut current = vec![0usize; a.len() + 1];
    for (j, bc) in b.iter().enumerate() {
        current[0] = j + 1;
        for (i, ac) in a.iter().enumerate() {
            let cost = usize::from(ac != bc);
            current[i + 1] = (current[i] + 1)
                .min(previous[i + 1] + 1)
                .min(previous[i] + cost);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let edits = previous[a.len()] as f32;
    1.0 - edits / a.len().max(b.len()) as f32
}

fn validate_one(key: &str, value: &Value) -> Result<()> {
    let Some(def) = find_def(key) else {
        // Group settings: any scalar or list.
        return Ok(());
    };
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Array(_) if matches!(def.kind, Kind::List) => return Ok(()),
        Value::Array(items) => {
            return Err(StoreError::IllegalArgument(format!(
                "Failed to parse value [{}] for setting [{key}]",
                super::java_text::value(&Value::Array(items.clone()))
            )));
        }
        _ => "",
    };
    match def.kind {
        Kind::Int { min, max } => check_integer(text, key, min, max),
        Kind::Long { min } => check_integer(text, key, min, i64::MAX),
        Kind::Bool => match text {
            "true" | "false" => Ok(()),
            _ => Err(StoreError::IllegalArgument(format!(
                "Failed to parse value [{text}] as only [true] or [false] are allowed."
            ))),
        },
        Kind::Time { min } => {
            let parsed = TimeValue::parse(text, key)
                .map_err(|e| StoreError::IllegalArgument(e.to_string()))?;
            if let Some((min_millis, min_text)) = min
                && parsed.millis() < min_millis
            {
                return Err(StoreError::IllegalArgument(format!(
                    "failed to parse value [{text}] for setting [{key}], must be >= [{min_text}]"
                )));
            }
            Ok(())
        }
        Kind::Bytes => parse_byte_size(text, key).map(|_| ()),
        Kind::Str | Kind::List | Kind::Pipeline => Ok(()),
        Kind::Durability => {
            let upper = text.to_uppercase();
            match upper.as_str() {
                "REQUEST" | "ASYNC" => Ok(()),
                _ => Err(StoreError::IllegalArgument(format!(
                    "No enum constant org.elasticsearch.index.translog.Translog.Durability.{upper}"
                ))),
            }
        }
        Kind::Codec => match text {
            "default"
            | "best_compression"
            | "lucene_default"
            | "legacy_default"
            | "legacy_best_compression" => Ok(()),
            _ => Err(StoreError::IllegalArgument(format!(
                "unknown value for [index.codec] must be one of [default, best_compression] but was: {text}"
            ))),
        },
        Kind::IndexMode => match text {
            "standard" => Ok(()),
            "time_series" | "logsdb" | "lookup" => Err(StoreError::IllegalArgument(format!(
                "[index.mode={text}] is not supported by this node; only [standard] indices are"
            ))),
            _ => Err(StoreError::IllegalArgument(format!(
                "[index.mode] was [{text}], expected one of [standard, time_series, logsdb, lookup]"
            ))),
        },
        Kind::AutoExpandReplicas => {
            if text == "false" {
                return Ok(());
            }
            let bad = || {
                StoreError::IllegalArgument(format!(
                    "failed to parse [index.auto_expand_replicas] from value: [{text}] at index {}",
                    text.find('-').map_or(-1, |i| i as i64)
                ))
            };
            let (low, high) = text.split_once('-').ok_or_else(bad)?;
            low.parse::<u32>().map_err(|_| bad())?;
            if high != "all" {
                high.parse::<u32>().map_err(|_| bad())?;
            }
            Ok(())
        }
    }
}

/// `Integer.parseInt`/`Long.parseLong` with the bounds `Setting.parseInt` checks.
fn check_integer(text: &str, key: &str, min: i64, max: i64) -> Result<()> {
    let parsed = text.parse::<i128>().map_err(|_| {
        StoreError::IllegalArgument(format!(
            "Failed to parse value [{text}] for setting [{key}]"
        ))
    })?;
    if parsed < i128::from(min) {
        return Err(StoreError::IllegalArgument(format!(
            "Failed to parse value [{text}] for setting [{key}] must be >= {min}"
        )));
    }
    if parsed > i128::from(max) {
        return Err(StoreError::IllegalArgument(format!(
            "Failed to parse value [{text}] for setting [{key}] must be <= {max}"
        )));
    }
    Ok(())
}

/// `ByteSizeValue.parseBytesSizeValue`: a number with a unit (`b`, `kb`, `mb`, `gb`, `tb`,
/// `pb`, case-insensitive, with the short forms `k`, `m`, ...), `-1`, or `0`.
pub(crate) fn parse_byte_size(text: &str, key: &str) -> Result<i64> {
    let lower = text.trim().to_lowercase();
    if lower == "-1" {
        return Ok(-1);
    }
    if lower == "0" {
        return Ok(0);
    }
    let units: [(&str, i64); 11] = [
        ("pb", 1 << 50),
        ("tb", 1 << 40),
        ("gb", 1 << 30),
        ("mb", 1 << 20),
        ("kb", 1 << 10),
        ("p", 1 << 50),
        ("t", 1 << 40),
        ("g", 1 << 30),
        ("m", 1 << 20),
        ("k", 1 << 10),
        ("b", 1),
    ];
    let unrecognized = || {
        StoreError::IllegalArgument(format!(
            "failed to parse setting [{key}] with value [{text}] as a size in bytes: unit is missing or unrecognized"
        ))
    };
    let (number, factor) = units
        .iter()
        .find_map(|(suffix, factor)| lower.strip_suffix(suffix).map(|n| (n.trim(), *factor)))
        .ok_or_else(unrecognized)?;
    let value: f64 = number.parse().map_err(|_| {
        StoreError::IllegalArgument(format!(
            "failed to parse setting [{key}] with value [{text}]"
        ))
    })?;
    if value < 0.0 {
        return Err(StoreError::IllegalArgument(format!(
            "failed to parse setting [{key}] with value [{text}] as a size in bytes"
        )));
    }
    Ok((value * factor as f64) as i64)
}

fn render<'a>(entries: impl Iterator<Item = (&'a String, &'a Value)>, flat: bool) -> Value {
    let sorted: BTreeMap<&String, &Value> = entries.collect();
    if flat {
        return Value::Object(
            sorted
                .into_iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
    }
    let mut root = Map::new();
    for (key, value) in sorted {
        insert_nested(&mut root, key, value.clone());
    }
    Value::Object(root)
}

/// Puts `value` at the dotted `key`, creating objects on the way. A key that is both a
/// value and a prefix of others keeps its remaining dots at the level where they collide.
fn insert_nested(node: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some((head, tail)) = key.split_once('.') {
        match node.get_mut(head) {
            Some(Value::Object(inner)) => return insert_nested(inner, tail, value),
            Some(_) => {}
            None => {
                let mut inner = Map::new();
                insert_nested(&mut inner, tail, value);
                node.insert(head.to_string(), Value::Object(inner));
                return;
            }
        }
    }
    node.insert(key.to_string(), value);
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
