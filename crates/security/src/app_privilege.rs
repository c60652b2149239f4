//! Application privileges (`PUT|GET|DELETE /_security/privilege`): parsing and validating
//! definitions with Elasticsearch's rules and messages, and keeping them durably in the store's
//! [`Section::ApplicationPrivileges`] (document id `application:name`, as Elasticsearch's
//! `application-privilege_<app>:<name>` documents). The definitions resolve privilege names to
//! actions for `_has_privileges` and application permissions ([`definitions`]).

use serde_json::{Map, Value, json};

use crate::rbac::{ApplicationPrivilegeDescriptor, RoleError};
use crate::store::{Section, SecurityStore};

/// `Strings.INVALID_FILENAME_CHARS`, in the order Elasticsearch prints them.
const INVALID_FILENAME_CHARS: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ','];

fn is_valid_prefix(prefix: &str) -> bool {
    let mut chars = prefix.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_alphanumeric())
}

/// `ApplicationPrivilege.validateApplicationName`: `Err(reason)` for a name Elasticsearch
/// refuses. `allow_wildcard` accepts `*` and a trailing `*` (GET requests).
pub fn validate_application_name(name: &str, allow_wildcard: bool) -> Result<(), String> {
    if name.is_empty() {
        return Err("Application names cannot be blank".to_string());
    }
    let asterisk = name.find('*');
    if let Some(i) = asterisk {
        if !allow_wildcard {
            return Err(format!(
                "Application names may not contain '*' (found '{name}')"
            ));
        }
        if name == "*" {
            return Ok(());
        }
        if i != name.len() - 1 {
            return Err(format!(
                "Application name patterns only support trailing wildcards (found '{name}')"
            ));
        }
    }
    if name.chars().any(char::is_whitespace) {
        return Err(format!(
            "Application names may not contain whitespace (found '{name}')"
        ));
    }
    let (prefix, suffix) = match name.split_once('-') {
        Some((p, s)) => (p, Some(s)),
        None => (name, None),
    };
    let prefix = prefix.strip_suffix('*').unwrap_or(prefix);
    if !is_valid_prefix(prefix) {
        return Err(format!(
            "An application name prefix must match the pattern ^[a-z][A-Za-z0-9]*$ (found '{prefix}')"
        ));
    }
    if prefix.len() < 3 && asterisk.is_none() {
        return Err(format!(
            "An application name prefix must be at least 3 characters long (found '{prefix}')"
        ));
    }
    if let Some(suffix) = suffix {
        let suffix_body = if asterisk.is_some() {
            suffix.strip_suffix('*').unwrap_or(suffix)
        } else {
            suffix
        };
        if suffix_body.contains(INVALID_FILENAME_CHARS) {
            let chars: String = INVALID_FILENAME_CHARS.iter().collect();
            return Err(format!(
                "An application name suffix may not contain any of the characters '{chars}' (found '{suffix}')"
            ));
        }
    }
    Ok(())
}

/// Privilege names are `^[a-z][a-zA-Z0-9_.-]*$`.
pub fn is_valid_privilege_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn privilege_name_error(name: &str) -> String {
    format!(
        "Application privilege names must match the pattern ^[a-z][a-zA-Z0-9_.-]*$ (found '{name}')"
    )
}

fn string_list(v: &Value, what: &str) -> Result<Vec<String>, RoleError> {
    let bad = || {
        RoleError::parse(format!(
            "failed to parse application privileges. expected field [{what}] to be an array of strings"
        ))
    };
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Parses one definition body (`{"actions":[..],"metadata":{..}}`, optionally repeating
/// `application` and `name`, which must then match the keys they sit under).
pub fn parse_descriptor(
    application: &str,
    name: &str,
    body: &Value,
) -> Result<ApplicationPrivilegeDescriptor, RoleError> {
    let Value::Object(fields) = body else {
        return Err(RoleError::parse(format!(
            "failed to parse application privilege [{application}:{name}]. expected an object"
        )));
    };
    let mut actions = None;
    let mut metadata = Map::new();
    for (key, value) in fields {
        match key.as_str() {
            "actions" => actions = Some(string_list(value, "actions")?),
            "metadata" => match value {
                Value::Object(m) => metadata = m.clone(),
                Value::Null => {}
                _ => {
                    return Err(RoleError::parse(
                        "failed to parse application privileges. expected field [metadata] to be an object",
                    ));
                }
            },
            "application" => {
                if value.as_str() != Some(application) {
                    return Err(RoleError::illegal_argument(format!(
                        "application [{}] in source does not match the provided application [{application}]",
                        value.as_str().unwrap_or_default()
                    )));
                }
            }
            "name" => {
                if value.as_str() != Some(name) {
                    return Err(RoleError::illegal_argument(format!(
                        "privilege name [{}] in source does not match the provided name [{name}]",
                        value.as_str().unwrap_or_default()
                    )));
                }
            }
            other => {
                return Err(RoleError {
                    error_type: ironstack_types::EsErrorType::XContentParse,
                    reason: format!("[application_privilege] unknown field [{other}]"),
                    caused_by: None,
                });
            }
        }
    }
    Ok(ApplicationPrivilegeDescriptor {
        application: application.to_string(),
        name: name.to_string(),
        actions: actions.unwrap_or_default(),
        metadata,
    })
}

/// Parses and validates the body of `PUT /_security/privilege`:
/// `{"app":{"name":{"actions":[..],"metadata":{..}}}}`. Every problem of every definition is
/// reported in one `action_request_validation_exception`, as `PutPrivilegesRequest.validate`.
pub fn parse_put_request(body: &Value) -> Result<Vec<ApplicationPrivilegeDescriptor>, RoleError> {
    let Value::Object(apps) = body else {
        return Err(RoleError::parse(
            "failed to parse privileges. expected an object of applications",
        ));
    };
    let mut out = Vec::new();
    for (application, privileges) in apps {
        let Value::Object(privileges) = privileges else {
            return Err(RoleError::parse(format!(
                "failed to parse privileges. expected field [{application}] to be an object"
            )));
        };
        for (name, body) in privileges {
            out.push(parse_descriptor(application, name, body)?);
        }
    }
    validate(&out)?;
    Ok(out)
}

/// `PutPrivilegesRequest.validate`.
pub fn validate(privileges: &[ApplicationPrivilegeDescriptor]) -> Result<(), RoleError> {
    let mut errors = Vec::new();
    if privileges.is_empty() {
        errors.push("At least one application privilege must be provided".to_string());
    }
    for p in privileges {
        if let Err(e) = validate_application_name(&p.application, false) {
            errors.push(e);
        }
        if !is_valid_privilege_name(&p.name) {
            errors.push(privilege_name_error(&p.name));
        }
        if p.actions.is_empty() {
            errors.push("Application privileges must have at least one action".to_string());
        }
        for action in &p.actions {
            if !action.contains(['/', '*', ':']) {
                errors.push(format!(
                    "action [{action}] must contain one of [ '/' , '*' , ':' ]"
                ));
            }
        }
        if p.metadata.keys().any(|k| k.starts_with('_')) {
            errors.push(format!(
                "metadata keys may not start with [_] (in privilege {} {})",
                p.application, p.name
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RoleError::validation(&errors))
    }
}

fn doc_id(application: &str, name: &str) -> String {
    format!("{application}:{name}")
}

/// The stored JSON (and the GET entry) of a definition.
pub fn descriptor_json(d: &ApplicationPrivilegeDescriptor) -> Value {
    json!({
        "application": d.application,
        "name": d.name,
        "actions": d.actions,
        "metadata": d.metadata,
    })
}

fn from_doc(doc: &Value) -> Option<ApplicationPrivilegeDescriptor> {
    Some(ApplicationPrivilegeDescriptor {
        application: doc.get("application")?.as_str()?.to_string(),
        name: doc.get("name")?.as_str()?.to_string(),
        actions: doc
            .get("actions")?
            .as_array()?
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        metadata: doc
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    })
}

/// Every stored definition, sorted by application then name.
pub fn definitions(store: &SecurityStore) -> Vec<ApplicationPrivilegeDescriptor> {
    let mut all: Vec<_> = store
        .docs(Section::ApplicationPrivileges)
        .iter()
        .filter_map(|(_, d)| from_doc(d))
        .collect();
    all.sort_by(|a, b| (&a.application, &a.name).cmp(&(&b.application, &b.name)));
    all
}

/// Stores `privileges` in one durable write; returns, for each, whether it was new.
pub fn put_privileges(
    store: &SecurityStore,
    privileges: &[ApplicationPrivilegeDescriptor],
) -> crate::Result<Vec<bool>> {
    // One change: whether each was new is decided against the state it is written over.
    store.transact(|t| {
        privileges
            .iter()
            .map(|p| {
                let id = doc_id(&p.application, &p.name);
                let created = t.get(Section::ApplicationPrivileges, &id).is_none();
                t.put(Section::ApplicationPrivileges, &id, descriptor_json(p));
                created
            })
            .collect()
    })
}

fn matches_pattern(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => value.starts_with(prefix),
        None => pattern == value,
    }
}

/// The definitions of the named applications (exact names or trailing-`*` patterns; `None`
/// means all) and names (`None` means all).
pub fn get_privileges(
    store: &SecurityStore,
    applications: Option<&[String]>,
    names: Option<&[String]>,
) -> Vec<ApplicationPrivilegeDescriptor> {
    definitions(store)
        .into_iter()
        .filter(|d| {
            applications.is_none_or(|apps| apps.iter().any(|a| matches_pattern(a, &d.application)))
        })
        .filter(|d| names.is_none_or(|ns| ns.contains(&d.name)))
        .collect()
}

/// Deletes the named privileges of `application` in one durable write; returns, for each
/// name, whether it existed.
pub fn delete_privileges(
    store: &SecurityStore,
    application: &str,
    names: &[String],
) -> crate::Result<Vec<bool>> {
    let ids: Vec<String> = names.iter().map(|n| doc_id(application, n)).collect();
    store.write_docs(Section::ApplicationPrivileges, Vec::new(), &ids)
}

#[cfg(test)]
#[path = "app_privilege_tests.rs"]
mod tests;
