//! Kibana spaces: the space model and its validation (Kibana's schema and messages), its
//! saved-object document in `.kibana` (`_id: "space:<id>"`, written by the console's own
//! user), the `.kibana` index and the reserved `default` space created at start-up, and the
//! public `/api/spaces/space` API.

use http::{Method, StatusCode};
use ironstack_tls::Secret;
use serde_json::{Map, Value, json};

use crate::kibana::APPLICATION;
use crate::node_client::NodeClient;
use crate::routes::encode_segment;

/// The default space's id: no `/s/<id>` prefix, reserved, undeletable.
pub(crate) const DEFAULT_SPACE: &str = "default";
/// The saved-object alias the console reads and writes through.
pub(crate) const KIBANA_INDEX: &str = ".kibana";
/// Kibana's `coreMigrationVersion` for documents written by 8.8+ (model versions).
const CORE_MIGRATION_VERSION: &str = "8.8.0";
/// The space type's last migration.
const SPACE_MIGRATION_VERSION: &str = "6.6.0";
/// Kibana caps the space list at this many (`GET /api/spaces/space`).
const MAX_SPACES: usize = 1000;

/// One space as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Space {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) color: Option<String>,
    pub(crate) initials: Option<String>,
    pub(crate) disabled_features: Vec<String>,
    pub(crate) image_url: Option<String>,
    pub(crate) reserved: bool,
}

impl Space {
    /// The reserved default space Kibana creates.
    pub(crate) fn default_space() -> Space {
        Space {
            id: DEFAULT_SPACE.to_string(),
            name: "Default".to_string(),
            description: Some("This is your default space!".to_string()),
            color: Some("#00bfb3".to_string()),
            initials: None,
            disabled_features: Vec::new(),
            image_url: None,
            reserved: true,
        }
    }

    /// The API shape (`{id, name, description, color, initials, disabledFeatures, imageUrl,
    /// _reserved}`), leaving out what is not set.
    pub(crate) fn to_api(&self) -> Value {
        let mut out = json!({"id": self.id, "name": self.name});
        self.put_attributes(&mut out);
        out
    }

    fn put_attributes(&self, out: &mut Value) {
        out["name"] = json!(self.name);
        for (key, value) in [
            ("description", &self.description),
            ("color", &self.color),
            ("initials", &self.initials),
            ("imageUrl", &self.image_url),
        ] {
            if let Some(v) = value {
                out[key] = json!(v);
            }
        }
        out["disabledFeatures"] = json!(self.disabled_features);
        if self.reserved {
            out["_reserved"] = json!(true);
        }
    }

    /// The saved-object `_source` (Kibana's shape; the space type is namespace-agnostic).
    pub(crate) fn to_saved_object(&self, now: &str, created_at: Option<&str>) -> Value {
        let mut attributes = json!({});
        self.put_attributes(&mut attributes);
        json!({
            "type": "space",
            "space": attributes,
            "references": [],
            "managed": false,
            "coreMigrationVersion": CORE_MIGRATION_VERSION,
            "typeMigrationVersion": SPACE_MIGRATION_VERSION,
            "updated_at": now,
            "created_at": created_at.unwrap_or(now),
        })
    }

    /// From a saved-object hit (`_id: space:<id>`, `_source.space`).
    pub(crate) fn from_saved_object(id: &str, source: &Value) -> Option<Space> {
        let id = id.strip_prefix("space:")?;
        let a = &source["space"];
        let text = |k: &str| a[k].as_str().map(str::to_string);
        Some(Space {
            id: id.to_string(),
            name: text("name").unwrap_or_else(|| id.to_string()),
            description: text("description"),
            color: text("color"),
            initials: text("initials"),
            disabled_features: a["disabledFeatures"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|f| f.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            image_url: text("imageUrl"),
            reserved: a["_reserved"].as_bool() == Some(true),
        })
    }

    /// The `_has_privileges` resource of this space.
    pub(crate) fn resource(&self) -> String {
        resource(&self.id)
    }

    /// The initials shown in the avatar when none are set: Kibana's first letters of the
    /// first two words.
    pub(crate) fn avatar_initials(&self) -> String {
        if let Some(i) = self.initials.as_deref().filter(|i| !i.is_empty()) {
            return i.to_string();
        }
        let words: Vec<&str> = self.name.split_whitespace().collect();
        let letters: String = match words.as_slice() {
            [] => String::new(),
            [one] => one.chars().take(2).collect(),
            [first, second, ..] => first
                .chars()
                .take(1)
                .chain(second.chars().take(1))
                .collect(),
        };
        letters.to_uppercase()
    }

    /// Whether `disabledFeatures` hides this feature here.
    pub(crate) fn disables(&self, feature_id: &str) -> bool {
        self.disabled_features.iter().any(|f| f == feature_id)
    }
}

/// `space:<id>`.
pub(crate) fn resource(id: &str) -> String {
    format!("space:{id}")
}

/// Kibana's `SPACE_ID_REGEX` (`^[a-z0-9_\-]+$`).
pub(crate) fn valid_space_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn type_error(key: &str, expected: &str, got: &Value) -> String {
    let kind = match got {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    };
    format!("[request body.{key}]: expected value of type [{expected}] but got [{kind}]")
}

/// Validates a POST/PUT body with Kibana's schema and its messages (`[request body.<key>]:
/// …`).
pub(crate) fn parse_space(body: &Value) -> Result<Space, String> {
    let Some(map) = body.as_object() else {
        return Err(
            "[request body]: expected a plain object value, but found [null] instead.".to_string(),
        );
    };
    const KEYS: &[&str] = &[
        "id",
        "name",
        "description",
        "initials",
        "color",
        "disabledFeatures",
        "_reserved",
        "imageUrl",
        "solution",
    ];
    if let Some(unknown) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "[request body.{unknown}]: definition for this key is missing"
        ));
    }
    let required = |key: &str| -> Result<String, String> {
        match map.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Err(format!(
                "[request body.{key}]: expected value of type [string] but got [undefined]"
            )),
            Some(other) => Err(type_error(key, "string", other)),
        }
    };
    let optional = |key: &str| -> Result<Option<String>, String> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(type_error(key, "string", other)),
        }
    };
    let id = required("id")?;
    if !valid_space_id(&id) {
        return Err(
            "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed".to_string(),
        );
    }
    let name = required("name")?;
    if name.is_empty() {
        return Err(
            "[request body.name]: value has length [0] but it must have a minimum length of [1]."
                .to_string(),
        );
    }
    let description = optional("description")?;
    let initials = optional("initials")?;
    if let Some(i) = &initials {
        let n = i.chars().count();
        if n > 2 {
            return Err(format!(
                "[request body.initials]: value has length [{n}] but it must have a maximum length of [2]."
            ));
        }
    }
    let color = optional("color")?;
    if let Some(c) = &color {
        let ok =
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_alphanumeric());
        if !ok {
            return Err(
                "[request body.color]: must be a 6 digit hex color, starting with a #".to_string(),
            );
        }
    }
    let disabled_features = match map.get("disabledFeatures") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > 100 {
                return Err(format!(
                    "[request body.disabledFeatures]: array size is [{}], but cannot be greater than [100]",
                    items.len()
                ));
            }
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => {
                        return Err(type_error(
                            &format!("disabledFeatures.{i}"),
                            "string",
                            other,
                        ));
                    }
                }
            }
            out
        }
        Some(other) => return Err(type_error("disabledFeatures", "array", other)),
    };
    let image_url = optional("imageUrl")?;
    if let Some(u) = &image_url
        && !u.is_empty()
        && !u.starts_with("data:image")
    {
        return Err("[request body.imageUrl]: must start with 'data:image'".to_string());
    }
    let reserved = match map.get("_reserved") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(type_error("_reserved", "boolean", other)),
    };
    Ok(Space {
        id,
        name,
        description,
        color,
        initials,
        disabled_features,
        image_url,
        reserved,
    })
}

/// The spaces store: `.kibana` read and written as the console's own user.
pub(crate) struct SpaceStore<'a> {
    pub(crate) node: &'a NodeClient,
    pub(crate) authorization: &'a Secret,
}

/// Why a store call failed: the HTTP status to answer and the message.
pub(crate) type StoreError = (StatusCode, String);

fn node_failure(e: crate::Error) -> StoreError {
    (StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

fn now() -> String {
    ironstack_types::date::format_iso_millis(ironstack_types::date::Timestamp::now())
}

impl SpaceStore<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<crate::node_client::NodeResponse, StoreError> {
        self.node
            .request(method, path, Some(self.authorization), body)
            .await
            .map_err(node_failure)
    }

    /// Creates `.kibana_<version>_001` with the aliases `.kibana` and `.kibana_<version>`
    /// when `.kibana` does not exist, then the default space when it is missing.
    pub(crate) async fn prepare(&self) -> Result<(), String> {
        let version = ironstack_types::info::ES_VERSION;
        let exists = self
            .call(Method::GET, &format!("/{KIBANA_INDEX}"), None)
            .await
            .map_err(|e| e.1)?;
        if exists.status == 404 {
            let index = format!("/{KIBANA_INDEX}_{version}_001");
            let body = json!({
                "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1", "hidden": true}},
                "mappings": {
                    "dynamic": "strict",
                    "properties": {
                        "type": {"type": "keyword"},
                        "namespace": {"type": "keyword"},
                        "namespaces": {"type": "keyword"},
                        "originId": {"type": "keyword"},
                        "managed": {"type": "boolean"},
                        "updated_at": {"type": "date"},
                        "created_at": {"type": "date"},
                        "coreMigrationVersion": {"type": "keyword"},
                        "typeMigrationVersion": {"type": "keyword"},
                        "references": {"type": "nested", "properties": {
                            "name": {"type": "keyword"}, "type": {"type": "keyword"}, "id": {"type": "keyword"}
                        }},
                        "space": {"dynamic": false, "properties": {
                            "name": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 2048}}}
                        }}
                    }
                },
                "aliases": {KIBANA_INDEX: {}, format!("{KIBANA_INDEX}_{version}"): {}}
            });
            let mut answer = self
                .call(Method::PUT, &index, Some(&body))
                .await
                .map_err(|e| e.1)?;
            if answer.status == 400 && answer.reason().contains("[nested]") {
                // A node store without `nested`: the references as a plain object field.
                let mut body = body;
                if let Some(references) =
                    body["mappings"]["properties"]["references"].as_object_mut()
                {
                    references.remove("type");
                }
                answer = self
                    .call(Method::PUT, &index, Some(&body))
                    .await
                    .map_err(|e| e.1)?;
            }
            let raced = answer.body["error"]["type"] == "resource_already_exists_exception";
            if !answer.ok() && !raced {
                return Err(format!(
                    "cannot create [{KIBANA_INDEX}_{version}_001]: {}",
                    answer.reason()
                ));
            }
            tracing::info!(
                "created [{KIBANA_INDEX}_{version}_001] with the alias [{KIBANA_INDEX}]"
            );
        } else if !exists.ok() {
            return Err(format!("cannot read [{KIBANA_INDEX}]: {}", exists.reason()));
        }
        match self.get(DEFAULT_SPACE).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => match self.create(&Space::default_space()).await {
                Ok(()) | Err((StatusCode::CONFLICT, _)) => {
                    tracing::info!("created the [default] space");
                    Ok(())
                }
                Err((_, m)) => Err(format!("cannot create the default space: {m}")),
            },
            Err((_, m)) => Err(m),
        }
    }

    /// Every space, sorted by name as Kibana lists them (the default first).
    pub(crate) async fn list(&self) -> Result<Vec<Space>, StoreError> {
        let body = json!({
            "size": MAX_SPACES,
            "query": {"term": {"type": "space"}},
        });
        let answer = self
            .call(
                Method::POST,
                &format!("/{KIBANA_INDEX}/_search"),
                Some(&body),
            )
            .await?;
        if !answer.ok() {
            return Err((
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY),
                answer.reason(),
            ));
        }
        let mut spaces: Vec<Space> = answer.body["hits"]["hits"]
            .as_array()
            .map(|hits| {
                hits.iter()
                    .filter_map(|h| Space::from_saved_object(h["_id"].as_str()?, &h["_source"]))
                    .collect()
            })
            .unwrap_or_default();
        spaces.sort_by(|a, b| {
            (a.id != DEFAULT_SPACE, a.name.to_lowercase())
                .cmp(&(b.id != DEFAULT_SPACE, b.name.to_lowercase()))
        });
        Ok(spaces)
    }

    fn doc_path(id: &str) -> String {
        format!("/{KIBANA_INDEX}/_doc/{}", encode_segment(&resource(id)))
    }

    /// One space; `None` when there is none with that id.
    pub(crate) async fn get(&self, id: &str) -> Result<Option<Space>, StoreError> {
        let answer = self.call(Method::GET, &Self::doc_path(id), None).await?;
        if answer.status == 404 {
            return Ok(None);
        }
        if !answer.ok() {
            return Err((StatusCode::BAD_GATEWAY, answer.reason()));
        }
        if answer.body["found"].as_bool() != Some(true) {
            return Ok(None);
        }
        Ok(Space::from_saved_object(
            &resource(id),
            &answer.body["_source"],
        ))
    }

    /// Creates a space; 409 with Kibana's message when the id is taken.
    pub(crate) async fn create(&self, space: &Space) -> Result<(), StoreError> {
        let path = format!(
            "/{KIBANA_INDEX}/_create/{}?refresh=true",
            encode_segment(&space.resource())
        );
        let doc = space.to_saved_object(&now(), None);
        let answer = self.call(Method::PUT, &path, Some(&doc)).await?;
        if answer.status == 409 {
            return Err((
                StatusCode::CONFLICT,
                format!("A space with the identifier {} already exists.", space.id),
            ));
        }
        if !answer.ok() {
            return Err((StatusCode::BAD_GATEWAY, answer.reason()));
        }
        Ok(())
    }

    /// Replaces a space's attributes, keeping `created_at` and `_reserved`.
    pub(crate) async fn update(&self, space: &Space) -> Result<Space, StoreError> {
        let answer = self
            .call(Method::GET, &Self::doc_path(&space.id), None)
            .await?;
        if answer.status == 404 || answer.body["found"].as_bool() == Some(false) {
            return Err((StatusCode::NOT_FOUND, not_found(&space.id)));
        }
        if !answer.ok() {
            return Err((StatusCode::BAD_GATEWAY, answer.reason()));
        }
        let old = Space::from_saved_object(&resource(&space.id), &answer.body["_source"]);
        let mut updated = space.clone();
        updated.reserved = old.is_some_and(|o| o.reserved);
        let created = answer.body["_source"]["created_at"]
            .as_str()
            .map(str::to_string);
        let doc = updated.to_saved_object(&now(), created.as_deref());
        let path = format!("{}?refresh=true", Self::doc_path(&space.id));
        let answer = self.call(Method::PUT, &path, Some(&doc)).await?;
        if !answer.ok() {
            return Err((StatusCode::BAD_GATEWAY, answer.reason()));
        }
        Ok(updated)
    }

    /// Deletes a space; the reserved ones cannot be.
    pub(crate) async fn delete(&self, id: &str) -> Result<(), StoreError> {
        let Some(space) = self.get(id).await? else {
            return Err((StatusCode::NOT_FOUND, not_found(id)));
        };
        if space.reserved {
            return Err((
                StatusCode::BAD_REQUEST,
                "The default space cannot be deleted because it is reserved.".to_string(),
            ));
        }
        let path = format!("{}?refresh=true", Self::doc_path(id));
        let answer = self.call(Method::DELETE, &path, None).await?;
        if answer.status == 404 {
            return Err((StatusCode::NOT_FOUND, not_found(id)));
        }
        if !answer.ok() {
            return Err((StatusCode::BAD_GATEWAY, answer.reason()));
        }
        Ok(())
    }
}

/// Kibana's saved-object 404 message.
pub(crate) fn not_found(id: &str) -> String {
    format!("Saved object [space/{id}] not found")
}

/// The `_has_privileges` body asking for `privileges` on each space and `global` on `*`.
pub(crate) fn has_privileges_body(
    resources: &[String],
    privileges: &[&str],
    global: &[&str],
) -> Value {
    let mut application = vec![json!({
        "application": APPLICATION,
        "resources": resources,
        "privileges": privileges,
    })];
    if !global.is_empty() {
        application.push(json!({
            "application": APPLICATION,
            "resources": ["*"],
            "privileges": global,
        }));
    }
    json!({ "application": application })
}

/// `answer.application["kibana-.kibana"][resource][action]`.
pub(crate) fn granted(answer: &Value, resource: &str, action: &str) -> bool {
    answer["application"][APPLICATION][resource][action].as_bool() == Some(true)
}

/// A space's fields as the form posts them (`disabledFeatures` repeated) into the API body.
pub(crate) fn form_to_body(fields: &[(String, String)]) -> Value {
    let mut out = Map::new();
    let mut disabled = Vec::new();
    for (k, v) in fields {
        match k.as_str() {
            "disabledFeatures" => disabled.push(Value::String(v.clone())),
            "id" | "name" => {
                out.insert(k.clone(), Value::String(v.trim().to_string()));
            }
            "description" | "initials" | "color" | "imageUrl" if !v.trim().is_empty() => {
                out.insert(k.clone(), Value::String(v.trim().to_string()));
            }
            _ => {}
        }
    }
    out.insert("disabledFeatures".to_string(), Value::Array(disabled));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_are_validated_with_kibanas_messages() {
        let ok = parse_space(&json!({"id": "marketing", "name": "Marketing", "color": "#AABBCC", "initials": "MK", "disabledFeatures": ["discover_v2"]})).unwrap();
        assert_eq!(ok.disabled_features, ["discover_v2"]);
        for (body, message) in [
            (
                json!({"id": "Bad Id", "name": "x"}),
                "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed",
            ),
            (
                json!({"name": "x"}),
                "[request body.id]: expected value of type [string] but got [undefined]",
            ),
            (
                json!({"id": "a", "name": ""}),
                "[request body.name]: value has length [0] but it must have a minimum length of [1].",
            ),
            (
                json!({"id": "a", "name": "x", "initials": "ABC"}),
                "[request body.initials]: value has length [3] but it must have a maximum length of [2].",
            ),
            (
                json!({"id": "a", "name": "x", "color": "red"}),
                "[request body.color]: must be a 6 digit hex color, starting with a #",
            ),
            (
                json!({"id": "a", "name": "x", "imageUrl": "http://x"}),
                "[request body.imageUrl]: must start with 'data:image'",
            ),
            (
                json!({"id": "a", "name": "x", "disabledFeatures": "discover"}),
                "[request body.disabledFeatures]: expected value of type [array] but got [string]",
            ),
            (
                json!({"id": "a", "name": "x", "extra": 1}),
                "[request body.extra]: definition for this key is missing",
            ),
            (
                json!({"id": "a", "name": 3}),
                "[request body.name]: expected value of type [string] but got [number]",
            ),
        ] {
            assert_eq!(parse_space(&body).unwrap_err(), message, "{body}");
        }
    }

    #[test]
    fn the_saved_object_has_kibanas_shape_and_round_trips() {
        let s =
            parse_space(&json!({"id": "ops", "name": "Ops team", "disabledFeatures": []})).unwrap();
        let doc = s.to_saved_object("2026-01-01T00:00:00.000Z", None);
        assert_eq!(doc["type"], "space");
        assert_eq!(doc["space"]["name"], "Ops team");
        assert_eq!(doc["coreMigrationVersion"], "8.8.0");
        assert_eq!(doc["references"], json!([]));
        assert_eq!(doc["created_at"], doc["updated_at"]);
        assert_eq!(Space::from_saved_object("space:ops", &doc), Some(s.clone()));
        assert_eq!(
            s.to_api(),
            json!({"id": "ops", "name": "Ops team", "disabledFeatures": []})
        );
        assert_eq!(s.avatar_initials(), "OT");
        let d = Space::default_space().to_api();
        assert_eq!(d["_reserved"], true);
        assert_eq!(d["id"], "default");
    }

    #[test]
    fn privileges_are_asked_per_space_and_globally() {
        let body = has_privileges_body(&[resource("a")], &["login:"], &["space:manage"]);
        assert_eq!(body["application"][0]["resources"], json!(["space:a"]));
        assert_eq!(body["application"][1]["resources"], json!(["*"]));
        let answer = json!({"application": {APPLICATION: {"space:a": {"login:": true}, "*": {"space:manage": false}}}});
        assert!(granted(&answer, "space:a", "login:"));
        assert!(!granted(&answer, "*", "space:manage"));
        assert!(!granted(&answer, "space:b", "login:"));
    }

    #[test]
    fn form_fields_become_the_api_body() {
        let fields = vec![
            ("id".to_string(), " sales ".to_string()),
            ("name".to_string(), "Sales".to_string()),
            ("color".to_string(), "".to_string()),
            ("disabledFeatures".to_string(), "discover_v2".to_string()),
        ];
        assert_eq!(
            form_to_body(&fields),
            json!({"id": "sales", "name": "Sales", "disabledFeatures": ["discover_v2"]})
        );
    }
}
