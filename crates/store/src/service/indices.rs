//! Index, data stream, alias, template and policy changes: each one a metadata change that
//! may create or delete indices in the backend on the way (`MetadataCreateIndexService`,
//! `MetadataDeleteIndexService`, `MetadataCreateDataStreamService`,
//! `MetadataIndexAliasesService`, `MetadataRolloverService`).

use serde_json::{Map, Value};

use super::StoreService;
use crate::api::DocumentStore;
use crate::mapping::names::{dot_prefix_warning, validate_index_name};
use crate::metadata::aliases::parse_alias_actions;
use crate::metadata::rollover::rollover_response;
use crate::metadata::{
    AliasActionsOutcome, ComposedIndex, ConcreteIndex, CreateIndexBody, Metadata, RolloverPlan,
    RolloverRequest, RolloverStats,
};
use crate::{Result, StoreError};

/// An index created by a request.
#[derive(Debug, Clone, PartialEq)]
pub struct CreatedIndex {
    /// The concrete name.
    pub index: String,
    /// `Warning` headers (a dot-prefixed, visible index name).
    pub warnings: Vec<String>,
}

fn now() -> i64 {
    ironstack_types::date::now_millis()
}

/// Refuses a new index name that is taken, as `MetadataCreateIndexService.validateIndexName`
/// does after the static rules.
fn check_name_free(name: &str, metadata: &Metadata, concrete: &[ConcreteIndex]) -> Result<()> {
    if let Some(existing) = concrete.iter().find(|c| c.name == name) {
        return Err(StoreError::IndexAlreadyExists {
            index: name.to_string(),
            uuid: existing.uuid.clone(),
        });
    }
    if metadata.alias_views().contains_key(name) {
        return Err(StoreError::InvalidIndexName {
            index: name.to_string(),
            reason: "already exists as alias".into(),
        });
    }
    if metadata.data_stream(name).is_some() {
        return Err(StoreError::InvalidIndexName {
            index: name.to_string(),
            reason: "already exists as data stream".into(),
        });
    }
    Ok(())
}

/// Creates a composed index in the backend.
fn create_in_backend(backend: &dyn DocumentStore, composed: &ComposedIndex) -> Result<()> {
    backend.create_index(composed.to_create_index()).map(|_| ())
}

impl StoreService {
    /// `PUT /<index>` (the name already date-math resolved): templates applied, aliases
    /// recorded.
    pub fn create_index(&self, name: &str, body: &Value) -> Result<CreatedIndex> {
        validate_index_name(name)?;
        let body = CreateIndexBody::parse(body)?;
        let backend = self.backend.clone();
        let checks = self.checks;
        self.change(|metadata, concrete| {
            check_name_free(name, metadata, concrete)?;
            let composed = metadata.compose_index(name, &body, concrete, &checks, now())?;
            let hidden = composed
                .settings
                .get("index.hidden")
                .is_some_and(|v| v == "true" || v == &Value::Bool(true));
            create_in_backend(backend.as_ref(), &composed)?;
            if let Err(e) = metadata.register_index(&composed, concrete, &checks) {
                // The aliases were checked while composing; if recording them still fails,
                // the index must not stay behind without them.
                let _ = backend.delete_index(name);
                return Err(e);
            }
            Ok(CreatedIndex {
                index: name.to_string(),
                warnings: dot_prefix_warning(name, hidden).into_iter().collect(),
            })
        })
    }

    /// Creates the index or data stream a write to the missing `name` needs, as
    /// `action.auto_create_index` and the matching template allow. Creating something that
    /// meanwhile exists is not an error (two writes raced to create it).
    pub fn auto_create(&self, name: &str) -> Result<()> {
        let metadata = self.metadata();
        if self.space().get(name).is_some() {
            return Ok(());
        }
        let allowed = match metadata.template_allow_auto_create(name) {
            Some(allow) => allow,
            None => self.settings.auto_create_index.allows(name),
        };
        if !allowed {
            return Err(StoreError::IndexNotFound {
                index: name.to_string(),
                extra: format!(
                    " and [action.auto_create_index] ([{}]) doesn't match",
                    self.settings.auto_create_index.describe()
                ),
            });
        }
        let outcome = if metadata.matches_data_stream_template(name) {
            self.create_data_stream(name)
        } else {
            self.create_index(name, &Value::Null).map(|_| ())
        };
        match outcome {
            Err(StoreError::IndexAlreadyExists { .. })
            | Err(StoreError::ResourceAlreadyExists(_))
                if self.space().get(name).is_some() =>
            {
                Ok(())
            }
            other => other,
        }
    }

    /// Deletes concrete indices (already resolved and authorized): a data stream's write
    /// index is refused, aliases and data streams forget the others.
    pub fn delete_indices(&self, names: &[String]) -> Result<()> {
        self.check_not_managed(names)?;
        let backend = self.backend.clone();
        self.change(|metadata, _| {
            for name in names {
                metadata.check_index_deletable(name)?;
            }
            for name in names {
                backend.delete_index(name)?;
                metadata.remove_index(name);
            }
            Ok(())
        })
    }

    /// `PUT _data_stream/<name>` (or a first write): the stream and its first backing index.
    pub fn create_data_stream(&self, name: &str) -> Result<()> {
        let backend = self.backend.clone();
        let checks = self.checks;
        self.change(|metadata, concrete| {
            let plan = metadata.plan_data_stream(name, concrete, &checks, now())?;
            create_in_backend(backend.as_ref(), &plan.backing_index)?;
            if let Err(e) = metadata.commit_data_stream(&plan) {
                let _ = backend.delete_index(&plan.backing_index.name);
                return Err(e);
            }
            Ok(())
        })
    }

    /// `DELETE _data_stream/<names>`: the streams and all their backing indices.
    pub fn delete_data_streams(&self, names: &[String], expand_hidden: bool) -> Result<()> {
        let backend = self.backend.clone();
        self.change(|metadata, _| {
            let backing = metadata.delete_data_streams(names, expand_hidden)?;
            for index in &backing {
                match backend.delete_index(index) {
                    Ok(()) | Err(StoreError::IndexNotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }

    /// `POST _aliases`: every action applied, or none; `remove_index` deletes its indices.
    pub fn update_aliases(&self, body: &Value) -> Result<Value> {
        let actions = parse_alias_actions(body)?;
        let backend = self.backend.clone();
        let checks = self.checks;
        self.change(|metadata, concrete| {
            let AliasActionsOutcome {
                removed_indices,
                response,
            } = metadata.apply_alias_actions(&actions, concrete, &checks, now())?;
            for index in &removed_indices {
                backend.delete_index(index)?;
            }
            Ok(response)
        })
    }

    /// `PUT _index_template/<name>`: its deprecation warnings.
    pub fn put_index_template(
        &self,
        name: &str,
        body: &Value,
        create: bool,
    ) -> Result<Vec<String>> {
        let checks = self.checks;
        self.change(|metadata, _| metadata.put_index_template(name, body, create, now(), &checks))
    }

    /// `DELETE _index_template/<names>`.
    pub fn delete_index_templates(&self, names: &[String]) -> Result<()> {
        self.change(|metadata, _| metadata.delete_index_templates(names))
    }

    /// `PUT _component_template/<name>`.
    pub fn put_component_template(&self, name: &str, body: &Value, create: bool) -> Result<()> {
        let checks = self.checks;
        self.change(|metadata, _| {
            metadata.put_component_template(name, body, create, now(), &checks)
        })
    }

    /// `DELETE _component_template/<names>`.
    pub fn delete_component_templates(&self, names: &[String]) -> Result<()> {
        self.change(|metadata, _| metadata.delete_component_templates(names))
    }

    /// `PUT _ilm/policy/<name>`.
    pub fn put_ilm_policy(&self, name: &str, body: &Value) -> Result<()> {
        self.change(|metadata, _| metadata.put_ilm_policy(name, body, now()))
    }

    /// `DELETE _ilm/policy/<name>`.
    pub fn delete_ilm_policy(&self, name: &str) -> Result<()> {
        self.change(|metadata, concrete| metadata.delete_ilm_policy(name, concrete))
    }

    /// `PUT /<indices>/_mapping` on concrete indices.
    pub fn put_mapping(&self, indices: &[String], mapping: &Value) -> Result<()> {
        self.check_not_managed(indices)?;
        for index in indices {
            self.backend.put_mapping(index, mapping)?;
        }
        Ok(())
    }

    /// `PUT /<indices>/_settings` on concrete indices.
    pub fn put_settings(&self, indices: &[String], settings: &Map<String, Value>) -> Result<()> {
        self.check_not_managed(indices)?;
        let outcome = indices
            .iter()
            .try_for_each(|index| self.backend.put_settings(index, settings));
        // `index.hidden` and `index.lifecycle.name` shape the space and ILM.
        self.reload_concrete();
        outcome
    }

    /// `POST /<target>/_rollover[/<new_index>]`: the response body.
    pub fn rollover(
        &self,
        target: &str,
        new_index: Option<&str>,
        body: &Value,
        dry_run: bool,
    ) -> Result<Value> {
        let request = RolloverRequest::parse(body)?;
        let backend = self.backend.clone();
        let checks = self.checks;
        let stats = |index: &str| backend.index_info(index);
        self.change(|metadata, concrete| {
            let provided = new_index.filter(|n| n.starts_with('<'));
            let resolved = new_index
                .map(|n| {
                    ironstack_types::date_math_name::resolve(
                        n,
                        ironstack_types::date::Timestamp::now(),
                    )
                })
                .transpose()
                .map_err(|e| StoreError::Parse(e.to_string()))?;
            let plan: RolloverPlan = metadata.plan_rollover(
                target,
                resolved.as_deref(),
                provided,
                &request,
                concrete,
                &checks,
                now(),
            )?;
            let old = stats(&plan.old_index)?;
            let figures = RolloverStats {
                creation_date: old.creation_date,
                docs: old.docs_count,
                size_bytes: old.store_size_bytes,
                max_primary_shard_size: old.store_size_bytes,
                max_primary_shard_docs: old.docs_count,
            };
            let at = now();
            let evaluated = request.conditions.evaluate(&figures, at);
            let met = request.conditions.met(&figures, at);
            if met && !dry_run {
                create_in_backend(backend.as_ref(), &plan.composed)?;
                if let Err(e) = metadata.commit_rollover(&plan, concrete, &checks, at) {
                    let _ = backend.delete_index(&plan.new_index);
                    return Err(e);
                }
            }
            Ok(rollover_response(
                &plan.old_index,
                &plan.new_index,
                &evaluated,
                met && !dry_run,
                dry_run,
                false,
            ))
        })
    }
}
