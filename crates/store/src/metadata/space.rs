//! The [`IndexSpace`] snapshot security resolves index expressions against: every concrete
//! index (with `index.hidden`, open/closed and its data stream), every alias (with its write
//! index and `is_hidden`) and every data stream; and the `_resolve/index` body for the names
//! an expression reached.

use std::collections::BTreeSet;

use ironstack_types::index_space::{AbstractionKind, IndexAbstraction, IndexSpace};
use serde_json::{Value, json};

use super::{ConcreteIndex, Metadata};

impl Metadata {
    /// The index space over the backend's indices (`concrete`) and this metadata.
    pub fn space(&self, concrete: &[ConcreteIndex]) -> IndexSpace {
        let mut entries: Vec<IndexAbstraction> = Vec::new();
        for index in concrete {
            let mut entry = IndexAbstraction::index(index.name.clone())
                .hidden(index.hidden)
                .closed(index.closed);
            if let Some(ds) = self.parent_data_stream(&index.name) {
                entry = entry.in_data_stream(ds);
            }
            entries.push(entry);
        }
        for (name, view) in self.alias_views() {
            entries.push(
                IndexAbstraction::alias(name, view.indices, view.write_index).hidden(view.hidden),
            );
        }
        for (name, ds) in &self.data_streams {
            entries.push(
                IndexAbstraction::data_stream(name.clone(), ds.indices.clone()).hidden(ds.hidden),
            );
        }
        IndexSpace::new(entries)
    }

    /// `GET _resolve/index/<expression>` for the names the expression reached (already
    /// expanded and authorized): indices with their aliases, attributes and data stream,
    /// aliases with their indices (or data streams), data streams with their backing indices.
    pub fn resolve_index_json(&self, space: &IndexSpace, names: &[String]) -> Value {
        let names: BTreeSet<&String> = names.iter().collect();
        let mut indices = Vec::new();
        let mut aliases = Vec::new();
        let mut data_streams = Vec::new();
        for name in names {
            let Some(abstraction) = space.get(name) else {
                continue;
            };
            match abstraction.kind {
                AbstractionKind::Index => {
                    let mut alias_names: Vec<&str> = space
                        .iter()
                        .filter(|a| a.kind == AbstractionKind::Alias && a.indices.contains(name))
                        .filter(|a| !self.data_stream_aliases.contains_key(&a.name))
                        .map(|a| a.name.as_str())
                        .collect();
                    alias_names.sort_unstable();
                    let mut attributes = vec![if abstraction.closed { "closed" } else { "open" }];
                    if abstraction.hidden {
                        attributes.push("hidden");
                    }
                    attributes.sort_unstable();
                    let mut entry = json!({"name": name});
                    if !alias_names.is_empty() {
                        entry["aliases"] = json!(alias_names);
                    }
                    entry["attributes"] = json!(attributes);
                    if let Some(ds) = &abstraction.parent_data_stream {
                        entry["data_stream"] = json!(ds);
                    }
                    indices.push(entry);
                }
                AbstractionKind::Alias => {
                    let mut targets: Vec<String> = match self.data_stream_aliases.get(name.as_str())
                    {
                        Some(a) => a.data_streams.clone(),
                        None => abstraction.indices.clone(),
                    };
                    targets.sort();
                    aliases.push(json!({"name": name, "indices": targets}));
                }
                AbstractionKind::DataStream => {
                    data_streams.push(json!({
                        "name": name,
                        "backing_indices": abstraction.indices,
                        "timestamp_field": "@timestamp",
                    }));
                }
            }
        }
        json!({"indices": indices, "aliases": aliases, "data_streams": data_streams})
    }
}

#[cfg(test)]
#[path = "space_tests.rs"]
mod tests;
