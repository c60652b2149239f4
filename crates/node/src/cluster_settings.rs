//! The dynamic cluster settings (`_cluster/settings`): which ones the node knows, how an
//! update is validated and applied, and the persistent ones kept across restarts in
//! `path.data/_state/cluster_settings.json` (transient ones, as in Elasticsearch, are lost
//! when the node stops).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Map, Value};

/// Flat settings (`a.b.c` → its value as text).
pub(crate) type Flat = BTreeMap<String, Value>;

/// What an update may be refused for, with Elasticsearch's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SettingsError {
    /// `illegal_argument_exception`.
    #[error("{0}")]
    IllegalArgument(String),
    /// `action_request_validation_exception`.
    #[error("Validation Failed: 1: no settings to update;")]
    NothingToUpdate,
    /// The file could not be written (500).
    #[error("cannot persist the cluster settings in [{path}]: {reason}")]
    Persist { path: String, reason: String },
}

/// How a known setting's value is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Boolean,
}

/// The dynamic cluster settings the node accepts, with their defaults (`None`: no default is
/// listed). `cluster.metadata.*` is Elasticsearch's free-form group (the display name Kibana
/// shows is `cluster.metadata.display_name`); the two monitoring switches are the ones the
/// Metricbeat guide tells users to set, and change nothing here (the node collects nothing).
fn known(key: &str) -> Option<(Kind, Option<&'static str>)> {
    match key {
        "xpack.monitoring.collection.enabled" => Some((Kind::Boolean, Some("false"))),
        "xpack.monitoring.elasticsearch.collection.enabled" => Some((Kind::Boolean, Some("true"))),
        k if k.starts_with("cluster.metadata.") && k.len() > "cluster.metadata.".len() => {
            Some((Kind::Text, None))
        }
        _ => None,
    }
}

/// The defaults `include_defaults=true` lists.
pub(crate) fn defaults() -> Flat {
    [
        "xpack.monitoring.collection.enabled",
        "xpack.monitoring.elasticsearch.collection.enabled",
    ]
    .into_iter()
    .filter_map(|k| {
        known(k)
            .and_then(|(_, d)| d)
            .map(|d| (k.to_string(), Value::from(d)))
    })
    .collect()
}

/// Reads a settings object as `Settings.fromXContent` does: nested objects become dotted
/// keys, scalars become text, `null` stays (it resets the setting).
pub(crate) fn flatten(value: &Map<String, Value>, scope: &str) -> Result<Flat, SettingsError> {
    fn walk(
        out: &mut Flat,
        prefix: &str,
        map: &Map<String, Value>,
        scope: &str,
    ) -> Result<(), SettingsError> {
        for (key, value) in map {
            let full = format!("{prefix}{key}");
            let flat = match value {
                Value::Object(inner) => {
                    walk(out, &format!("{full}."), inner, scope)?;
                    continue;
                }
                Value::Null => Value::Null,
                Value::String(s) => Value::String(s.clone()),
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                Value::Array(_) => {
                    return Err(SettingsError::IllegalArgument(format!(
                        "{scope} setting [{full}], not recognized"
                    )));
                }
            };
            out.insert(full, flat);
        }
        Ok(())
    }
    let mut out = Flat::new();
    walk(&mut out, "", value, scope)?;
    Ok(out)
}

/// Checks one update: every key known (or a wildcard reset), every value valid.
fn validate(updates: &Flat, scope: &str) -> Result<(), SettingsError> {
    for (key, value) in updates {
        if key.ends_with('*') && value.is_null() {
            continue;
        }
        let Some((kind, _)) = known(key) else {
            return Err(SettingsError::IllegalArgument(format!(
                "{scope} setting [{key}], not recognized"
            )));
        };
        if let (Kind::Boolean, Some(v)) = (kind, value.as_str())
            && v != "true"
            && v != "false"
        {
            return Err(SettingsError::IllegalArgument(format!(
                "illegal value can't update [{key}] from [{}] to [{v}]",
                known(key).and_then(|(_, d)| d).unwrap_or_default()
            )));
        }
    }
    Ok(())
}

/// Applies `updates` to `current`: values set, `null` removes (a trailing `*` removes every
/// key it matches).
fn apply(current: &mut Flat, updates: &Flat) {
    for (key, value) in updates {
        if value.is_null() {
            if let Some(prefix) = key.strip_suffix('*') {
                current.retain(|k, _| !k.starts_with(prefix));
            } else {
                current.remove(key);
            }
        } else {
            current.insert(key.clone(), value.clone());
        }
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Values {
    persistent: Flat,
    transient: Flat,
}

/// The node's cluster settings.
#[derive(Debug)]
pub(crate) struct ClusterSettings {
    values: Mutex<Values>,
    /// Where the persistent settings are saved; `None` keeps them in memory only (tests).
    file: Option<PathBuf>,
}

/// Both scopes after an update, and the updates that set a value (the response's body).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Updated {
    pub(crate) persistent: Flat,
    pub(crate) transient: Flat,
}

impl ClusterSettings {
    /// Settings kept in memory only.
    pub(crate) fn in_memory() -> Self {
        Self {
            values: Mutex::new(Values::default()),
            file: None,
        }
    }

    /// The file the persistent settings of the node on `data` live in.
    pub(crate) fn file_of(data: &Path) -> PathBuf {
        data.join("_state").join("cluster_settings.json")
    }

    /// Loads the persistent settings saved under `data` (none yet: empty). A file that is
    /// not a JSON object of text values is an error naming it.
    pub(crate) fn load(data: &Path) -> Result<Self, String> {
        let file = Self::file_of(data);
        let persistent = match fs::read(&file) {
            Ok(bytes) => {
                let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                    format!("cluster settings [{}] are corrupt: {e}", file.display())
                })?;
                match value.get("persistent") {
                    Some(Value::Object(m)) => {
                        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                    }
                    _ => {
                        return Err(format!(
                            "cluster settings [{}] are corrupt: no [persistent] object",
                            file.display()
                        ));
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Flat::new(),
            Err(e) => {
                return Err(format!(
                    "cannot read cluster settings [{}]: {e}",
                    file.display()
                ));
            }
        };
        Ok(Self {
            values: Mutex::new(Values {
                persistent,
                transient: Flat::new(),
            }),
            file: Some(file),
        })
    }

    /// The persistent and transient settings now.
    pub(crate) fn get(&self) -> (Flat, Flat) {
        let v = self.values.lock().unwrap_or_else(|p| p.into_inner());
        (v.persistent.clone(), v.transient.clone())
    }

    /// The value in effect for `key` (transient over persistent).
    pub(crate) fn value(&self, key: &str) -> Option<String> {
        let v = self.values.lock().unwrap_or_else(|p| p.into_inner());
        v.transient
            .get(key)
            .or_else(|| v.persistent.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// `PUT /_cluster/settings`: validates both scopes before changing either, saves the
    /// persistent ones, and answers the values each scope set.
    pub(crate) fn update(
        &self,
        persistent: &Flat,
        transient: &Flat,
    ) -> Result<Updated, SettingsError> {
        if persistent.is_empty() && transient.is_empty() {
            return Err(SettingsError::NothingToUpdate);
        }
        validate(persistent, "persistent")?;
        validate(transient, "transient")?;
        let mut values = self.values.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = values.clone();
        apply(&mut next.persistent, persistent);
        apply(&mut next.transient, transient);
        if next.persistent != values.persistent
            && let Some(file) = &self.file
        {
            save(file, &next.persistent).map_err(|e| SettingsError::Persist {
                path: file.display().to_string(),
                reason: e.to_string(),
            })?;
        }
        *values = next;
        let set = |u: &Flat| -> Flat {
            u.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        Ok(Updated {
            persistent: set(persistent),
            transient: set(transient),
        })
    }
}

/// Writes the persistent settings atomically (a crash leaves the old file or the new one).
fn save(path: &Path, persistent: &Flat) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let tmp = path.with_extension("json.tmp");
    let body = serde_json::json!({ "persistent": persistent });
    let mut f = fs::File::create(&tmp)?;
    f.write_all(&serde_json::to_vec_pretty(&body).map_err(std::io::Error::other)?)?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flat(v: Value) -> Flat {
        flatten(v.as_object().unwrap(), "persistent").unwrap()
    }

    #[test]
    fn persistent_settings_survive_a_restart_and_transient_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let settings = ClusterSettings::load(dir.path()).unwrap();
        let updated = settings
            .update(
                &flat(json!({"cluster": {"metadata": {"display_name": "Prod"}}})),
                &flat(json!({"cluster.metadata.owner": "ops"})),
            )
            .unwrap();
        assert_eq!(updated.persistent["cluster.metadata.display_name"], "Prod");
        assert_eq!(
            settings.value("cluster.metadata.owner").as_deref(),
            Some("ops")
        );
        let reopened = ClusterSettings::load(dir.path()).unwrap();
        assert_eq!(
            reopened.value("cluster.metadata.display_name").as_deref(),
            Some("Prod")
        );
        assert_eq!(reopened.value("cluster.metadata.owner"), None);
        // A reset removes it, on disk too.
        reopened
            .update(
                &flat(json!({"cluster.metadata.display_name": null})),
                &Flat::new(),
            )
            .unwrap();
        let again = ClusterSettings::load(dir.path()).unwrap();
        assert!(again.get().0.is_empty());
    }

    #[test]
    fn unknown_settings_and_bad_values_are_refused_and_change_nothing() {
        let settings = ClusterSettings::in_memory();
        let err = settings
            .update(
                &flat(json!({"cluster.metadata.display_name": "x", "cluster.nope": 1})),
                &Flat::new(),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "persistent setting [cluster.nope], not recognized"
        );
        assert!(settings.get().0.is_empty());
        let err = settings
            .update(
                &Flat::new(),
                &flat(json!({"xpack.monitoring.collection.enabled": "yes"})),
            )
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("[xpack.monitoring.collection.enabled]"),
            "{err}"
        );
        assert_eq!(
            settings.update(&Flat::new(), &Flat::new()).unwrap_err(),
            SettingsError::NothingToUpdate
        );
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = ClusterSettings::file_of(dir.path());
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, b"{not json").unwrap();
        let err = ClusterSettings::load(dir.path()).unwrap_err();
        assert!(err.contains("cluster_settings.json"), "{err}");
    }

    #[test]
    fn wildcard_reset_removes_the_group() {
        let settings = ClusterSettings::in_memory();
        settings
            .update(
                &flat(json!({"cluster.metadata.a": "1", "cluster.metadata.b": "2"})),
                &Flat::new(),
            )
            .unwrap();
        settings
            .update(&flat(json!({"cluster.metadata.*": null})), &Flat::new())
            .unwrap();
        assert!(settings.get().0.is_empty());
    }
}
