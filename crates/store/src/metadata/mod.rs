//! What Elasticsearch keeps in cluster-state metadata above concrete indices: composable and
//! component index templates, aliases, data streams (and their aliases), ILM policies and each
//! managed index's lifecycle state. [`Metadata`] is a plain value: its methods are pure logic
//! (parse a body, validate it, change the value all-or-nothing, render Elasticsearch's JSON);
//! the service that owns a [`crate::api::DocumentStore`] calls them, performs the backend work
//! they ask for (create or delete an index, roll over), and saves the value with [`persist`].
//!
//! Concrete indices live in the backend; calls that need them take a [`ConcreteIndex`] list
//! (name, uuid, `index.hidden`, open/closed, creation date, `index.lifecycle.name`, health).
//!
//! Layout:
//! - [`templates`]: `_index_template` and `_component_template` bodies, validation, CRUD and
//!   selection of the template an index name gets;
//! - [`compose`]: composing templates with a create-index body, `_simulate_index`, `_simulate`;
//! - [`aliases`]: aliases of indices and data streams, `_aliases` actions, `GET _alias`,
//!   `_cat/aliases`;
//! - [`data_streams`]: data streams, backing index names, `GET _data_stream`, stats;
//! - [`rollover`]: rollover conditions and the next index of an alias or data stream;
//! - [`ilm`]: ILM policies, the lifecycle step function and `_ilm/explain`;
//! - [`space`]: the [`IndexSpace`] snapshot and `_resolve/index`;
//! - [`persist`]: the metadata file;
//! - [`settings`] and `xcontent`: flat index settings and strict body parsing.

use std::collections::BTreeMap;

use ironstack_types::HealthStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Result;

pub mod aliases;
pub mod compose;
pub mod data_streams;
pub mod ilm;
pub mod persist;
pub mod rollover;
pub mod settings;
pub mod space;
pub mod templates;
mod xcontent;

pub use aliases::{AliasAction, AliasActionsOutcome, AliasMetadata, CatAliasRow, DataStreamAlias};
pub use compose::{ComposedIndex, CreateIndexBody};
pub use data_streams::{BackingIndexStats, DataStream, DataStreamPlan, WriteKind};
pub use ilm::{IlmAction, IlmFacts, LifecyclePolicy, LifecycleState, PolicyMetadata};
pub use ironstack_types::index_space::IndexSpace;
pub use rollover::{
    RolloverConditions, RolloverKind, RolloverPlan, RolloverRequest, RolloverStats,
};
pub use settings::FlatSettings;
pub use templates::{
    CatTemplateRow, ComponentTemplate, ComposableTemplate, DataStreamTemplate, RenderOptions,
    Template,
};

/// Everything above concrete indices, as one value that is saved as one document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// `_component_template`s by name.
    pub(crate) component_templates: BTreeMap<String, ComponentTemplate>,
    /// `_index_template`s (composable) by name.
    pub(crate) index_templates: BTreeMap<String, ComposableTemplate>,
    /// Aliases of concrete indices: index → alias → properties (Elasticsearch keeps them in
    /// each index's metadata).
    pub(crate) index_aliases: BTreeMap<String, BTreeMap<String, AliasMetadata>>,
    /// Data streams by name.
    pub(crate) data_streams: BTreeMap<String, DataStream>,
    /// Aliases of data streams by alias name.
    pub(crate) data_stream_aliases: BTreeMap<String, DataStreamAlias>,
    /// ILM policies by name.
    pub(crate) ilm_policies: BTreeMap<String, PolicyMetadata>,
    /// When each rolled-over index was rolled over (epoch ms): its lifecycle date from then on.
    pub(crate) rollover_dates: BTreeMap<String, i64>,
    /// The lifecycle state of each managed index.
    pub(crate) ilm_states: BTreeMap<String, LifecycleState>,
    /// `_ilm/stop` / `_ilm/start`.
    pub(crate) ilm_running: IlmMode,
}

/// ILM's operation mode (`_ilm/status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum IlmMode {
    /// `RUNNING`.
    #[default]
    Running,
    /// `STOPPED`.
    Stopped,
}

impl IlmMode {
    /// The name `_ilm/status` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            IlmMode::Running => "RUNNING",
            IlmMode::Stopped => "STOPPED",
        }
    }
}

/// A concrete index as the backend knows it, passed in by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcreteIndex {
    /// Name.
    pub name: String,
    /// `index.uuid`.
    pub uuid: String,
    /// `index.hidden`.
    pub hidden: bool,
    /// Closed (not open).
    pub closed: bool,
    /// `index.creation_date` (epoch ms).
    pub creation_date: i64,
    /// `index.lifecycle.name`.
    pub lifecycle_name: Option<String>,
    /// The index's health.
    pub health: HealthStatus,
    /// `index.number_of_replicas` (copies besides the primary, which this single node can
    /// never assign).
    pub replicas: u32,
}

impl ConcreteIndex {
    /// The index as a backend describes it ([`crate::api::IndexInfo`]): `index.hidden` and
    /// `index.lifecycle.name` from its settings, closed when not open.
    pub fn from_info(info: &crate::api::IndexInfo, health: HealthStatus) -> Self {
        let setting = |key: &str| info.settings.get(key).and_then(Value::as_str);
        Self {
            name: info.name.clone(),
            uuid: info.uuid.clone(),
            hidden: setting("index.hidden") == Some("true"),
            closed: !info.open,
            creation_date: info.creation_date,
            lifecycle_name: setting("index.lifecycle.name")
                .filter(|s| !s.is_empty())
                .map(String::from),
            health,
            // `auto_expand_replicas: 0-x` on one node expands to no replica at all.
            replicas: if setting("index.auto_expand_replicas").is_some_and(|v| v.starts_with("0-"))
            {
                0
            } else {
                setting("index.number_of_replicas")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(1)
            },
        }
    }

    /// An open, visible, green index with no policy (a convenient start for tests and
    /// callers that set the rest field by field).
    pub fn new(name: impl Into<String>, uuid: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            uuid: uuid.into(),
            hidden: false,
            closed: false,
            creation_date: 0,
            lifecycle_name: None,
            health: HealthStatus::Green,
            replicas: 0,
        }
    }
}

/// A response whose status is not always 200 (`GET _alias` with a missing name, a template
/// listing whose pattern matched nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonResponse {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Value,
}

impl JsonResponse {
    /// 200 with `body`.
    pub fn ok(body: Value) -> Self {
        Self { status: 200, body }
    }
}

/// Checks that belong to other modules (index settings, mappings, the query DSL), which the
/// service wires in so that templates and aliases are validated as Elasticsearch validates
/// them. [`NoChecks`] accepts everything.
pub trait Checks {
    /// Problems with flat index settings, each one Elasticsearch's message (`unknown setting
    /// [index.foo] ...`); empty when the settings are valid.
    fn settings_errors(&self, settings: &FlatSettings) -> Vec<String> {
        let _ = settings;
        Vec::new()
    }
    /// Parses a (merged) mapping as an index would; Elasticsearch's mapper error otherwise.
    fn check_mappings(&self, mappings: &serde_json::Map<String, Value>) -> Result<()> {
        let _ = mappings;
        Ok(())
    }
    /// Parses an alias filter as a query; Elasticsearch's query parsing error otherwise.
    fn check_filter(&self, filter: &Value) -> Result<()> {
        let _ = filter;
        Ok(())
    }
}

/// Accepts every setting, mapping and filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChecks;

impl Checks for NoChecks {}

impl Metadata {
    /// Empty metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets a concrete index the service deleted: its aliases and lifecycle state, and its
    /// place in a data stream. (Deleting a data stream's write index must be refused first with
    /// [`Metadata::check_index_deletable`].)
    pub fn remove_index(&mut self, name: &str) {
        self.index_aliases.remove(name);
        self.ilm_states.remove(name);
        self.rollover_dates.remove(name);
        for stream in self.data_streams.values_mut() {
            stream.indices.retain(|i| i != name);
        }
    }
}
