//! Role descriptors: the JSON of `PUT /_security/role/{name}`, parsed strictly with
//! Elasticsearch's error types and messages, validated as `PutRoleRequest.validate` does,
//! and written back in the shape `GET /_security/role` returns. That includes the
//! cross-cluster parts, `remote_indices` and `remote_cluster`: parsed, validated, stored and
//! returned like the rest, though they grant nothing on this node (it has no remote clusters).

use serde_json::{Map, Value, json};

use super::error::RoleError;
use super::index_pattern::NamePattern;
use super::privilege::{ClusterPrivilegeName, IndexPrivilegeSet};

/// Longest role name the native store accepts.
pub const MAX_ROLE_NAME_LENGTH: usize = 507;

/// `field_security` of an index group.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSecurity {
    /// Granted field patterns (`None`: the key was absent).
    pub grant: Option<Vec<String>>,
    /// Excepted field patterns.
    pub except: Vec<String>,
}

/// One entry of `indices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicesPrivileges {
    /// Index name patterns.
    pub names: Vec<String>,
    /// Privilege names or index action patterns.
    pub privileges: Vec<String>,
    /// Field-level security.
    pub field_security: Option<FieldSecurity>,
    /// Document-level security query, as the JSON string Elasticsearch stores.
    pub query: Option<String>,
    /// Whether restricted (system) indices are reachable.
    pub allow_restricted_indices: bool,
}

/// One entry of `remote_indices`: an index group that applies on remote clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteIndicesPrivileges {
    /// The remote cluster alias patterns (`clusters`).
    pub clusters: Vec<String>,
    /// The index group itself.
    pub group: IndicesPrivileges,
}

/// One entry of `remote_cluster`: cluster privileges on remote clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteClusterPrivileges {
    /// `monitor_enrich`, `monitor_stats`.
    pub privileges: Vec<String>,
    /// The remote cluster alias patterns.
    pub clusters: Vec<String>,
}

/// The only privileges `remote_cluster` accepts, as Elasticsearch lists them in its error.
pub const REMOTE_CLUSTER_PRIVILEGES: [&str; 2] = ["monitor_enrich", "monitor_stats"];

/// One entry of `applications`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationPrivileges {
    /// Application name (may be a wildcard).
    pub application: String,
    /// Privilege names or action patterns.
    pub privileges: Vec<String>,
    /// Resource patterns.
    pub resources: Vec<String>,
}

/// A role as stored and returned by the role APIs.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDescriptor {
    /// Role name.
    pub name: String,
    /// Cluster privilege names or cluster action patterns.
    pub cluster: Vec<String>,
    /// `global` configurable privileges, kept as given.
    pub global: Option<Value>,
    /// Index groups.
    pub indices: Vec<IndicesPrivileges>,
    /// Application privilege groups.
    pub applications: Vec<ApplicationPrivileges>,
    /// User name patterns this role may run as.
    pub run_as: Vec<String>,
    /// Free metadata.
    pub metadata: Map<String, Value>,
    /// `transient_metadata`; `enabled` is false when a role became unusable (license).
    pub transient_metadata: Map<String, Value>,
    /// Description (8.15+).
    pub description: Option<String>,
    /// `remote_indices` (cross-cluster; granting nothing locally).
    pub remote_indices: Vec<RemoteIndicesPrivileges>,
    /// `remote_cluster` (cross-cluster; granting nothing locally).
    pub remote_cluster: Vec<RemoteClusterPrivileges>,
}

/// Jackson's token names, which Elasticsearch prints in parse errors.
pub fn json_token_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "VALUE_NULL",
        Value::Bool(_) => "VALUE_BOOLEAN",
        Value::Number(_) => "VALUE_NUMBER",
        Value::String(_) => "VALUE_STRING",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// `XContentUtils.readStringArray`, with its messages; `Ok(None)` for an allowed null.
fn string_array(field: &str, v: &Value, allow_null: bool) -> Result<Option<Vec<String>>, String> {
    match v {
        Value::Null if allow_null => Ok(None),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "could not parse [{field}] field. expected a string array but one of the value in the array is [{}]",
                    json_token_name(other)
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        other => Err(format!(
            "could not parse [{field}] field. expected a string array but found [{}] instead",
            json_token_name(other)
        )),
    }
}

impl RoleDescriptor {
    /// An empty role called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        let mut transient_metadata = Map::new();
        transient_metadata.insert("enabled".into(), Value::Bool(true));
        Self {
            name: name.into(),
            cluster: Vec::new(),
            global: None,
            indices: Vec::new(),
            applications: Vec::new(),
            run_as: Vec::new(),
            metadata: Map::new(),
            transient_metadata,
            description: None,
            remote_indices: Vec::new(),
            remote_cluster: Vec::new(),
        }
    }

    /// Parses the body of `PUT /_security/role/{name}` (or a stored role), strictly.
    pub fn parse(name: &str, body: &Value) -> Result<Self, RoleError> {
        let Value::Object(fields) = body else {
            return Err(RoleError::parse(format!(
                "failed to parse role [{name}]. expected an object but found [{}] instead",
                json_token_name(body)
            )));
        };
        let wrap = |cause: String| RoleError {
            caused_by: Some(cause),
            ..RoleError::parse(format!("failed to parse role [{name}]"))
        };
        let mut role = Self::new(name);
        for (key, value) in fields {
            match key.as_str() {
                "cluster" => {
                    role.cluster = string_array(key, value, true)
                        .map_err(wrap)?
                        .unwrap_or_default()
                }
                "run_as" => {
                    role.run_as = string_array(key, value, true)
                        .map_err(wrap)?
                        .unwrap_or_default()
                }
                "indices" | "index" => role.indices = parse_indices(name, key, value)?,
                "applications" | "application" => {
                    role.applications = parse_applications(name, key, value)?
                }
                "global" => match value {
                    Value::Object(_) => {
                        validate_global(value)?;
                        role.global = Some(value.clone())
                    }
                    Value::Null => {}
                    other => {
                        return Err(RoleError::parse(format!(
                            "failed to parse role [{name}]. expected field [{key}] value to be an object, but found [{}] instead",
                            json_token_name(other)
                        )));
                    }
                },
                "metadata" => match value {
                    Value::Object(m) => role.metadata = m.clone(),
                    Value::Null => {}
                    other => {
                        return Err(RoleError::parse(format!(
                            "expected field [{key}] to be of type object, but found [{}] instead",
                            json_token_name(other)
                        )));
                    }
                },
                // Stored roles carry it; users may send it back unchanged, it is then ignored.
                "transient_metadata" => match value {
                    Value::Object(_) | Value::Null => {}
                    other => {
                        return Err(RoleError::parse(format!(
                            "failed to parse role [{name}]. expected field [{key}] value to be an object, but found [{}] instead",
                            json_token_name(other)
                        )));
                    }
                },
                "description" => match value {
                    Value::String(s) => role.description = Some(s.clone()),
                    Value::Null => {}
                    other => {
                        return Err(RoleError::parse(format!(
                            "failed to parse role [{name}]. expected field [{key}] value to be a string, but found [{}] instead",
                            json_token_name(other)
                        )));
                    }
                },
                "remote_indices" => role.remote_indices = parse_remote_indices(name, key, value)?,
                "remote_cluster" => role.remote_cluster = parse_remote_cluster(name, key, value)?,
                _ => {
                    return Err(RoleError::parse(format!(
                        "failed to parse role [{name}]. unexpected field [{key}]"
                    )));
                }
            }
        }
        Ok(role)
    }

    /// The checks of `PutRoleRequest.validate`: name, privilege names, patterns, metadata.
    /// Errors are collected into one `action_request_validation_exception`.
    pub fn validate(&self, reserved: impl Fn(&str) -> bool) -> Result<(), RoleError> {
        let mut errors = Vec::new();
        if let Some(e) = validate_role_name(&self.name) {
            errors.push(e);
        } else if reserved(&self.name) {
            errors.push(format!(
                "Role [{}] is reserved and may not be used.",
                self.name
            ));
        }
        for c in &self.cluster {
            if let Err(e) = ClusterPrivilegeName::resolve(c) {
                errors.push(e.reason);
            }
        }
        for group in &self.indices {
            if let Err(e) = IndexPrivilegeSet::resolve(&group.privileges) {
                errors.push(e.reason);
            }
            for n in &group.names {
                if let Err(e) = NamePattern::new(n) {
                    errors.push(e.reason);
                }
            }
        }
        for remote in &self.remote_indices {
            if remote.clusters.iter().any(String::is_empty) {
                errors.push("remote index cluster alias cannot be an empty string".to_string());
            }
            if let Err(e) = IndexPrivilegeSet::resolve(&remote.group.privileges) {
                errors.push(e.reason);
            }
            for n in &remote.group.names {
                if let Err(e) = NamePattern::new(n) {
                    errors.push(e.reason);
                }
            }
        }
        for app in &self.applications {
            if let Some(e) = validate_application_name(&app.application, true) {
                errors.push(e);
            }
            for p in &app.privileges {
                if let Some(e) = validate_application_privilege(p) {
                    errors.push(e);
                }
            }
        }
        if self.metadata.keys().any(|k| k.starts_with('_')) {
            errors.push("role descriptor metadata keys may not start with [_]".to_string());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(RoleError::validation(&errors))
        }
    }

    /// The role in `GET /_security/role` shape (the value under the role's name).
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("cluster".into(), json!(self.cluster));
        if let Some(g) = &self.global {
            out.insert("global".into(), g.clone());
        }
        let indices: Vec<Value> = self
            .indices
            .iter()
            .map(|g| Value::Object(g.to_json()))
            .collect();
        out.insert("indices".into(), Value::Array(indices));
        let apps: Vec<Value> = self
            .applications
            .iter()
            .map(|a| {
                json!({"application": a.application, "privileges": a.privileges, "resources": a.resources})
            })
            .collect();
        out.insert("applications".into(), Value::Array(apps));
        out.insert("run_as".into(), json!(self.run_as));
        out.insert("metadata".into(), Value::Object(self.metadata.clone()));
        out.insert(
            "transient_metadata".into(),
            Value::Object(self.transient_metadata.clone()),
        );
        if let Some(d) = &self.description {
            out.insert("description".into(), Value::String(d.clone()));
        }
        if !self.remote_indices.is_empty() {
            let remote = self
                .remote_indices
                .iter()
                .map(|r| {
                    let mut o = r.group.to_json();
                    o.insert("clusters".into(), json!(r.clusters));
                    Value::Object(o)
                })
                .collect();
            out.insert("remote_indices".into(), Value::Array(remote));
        }
        if !self.remote_cluster.is_empty() {
            let remote = self
                .remote_cluster
                .iter()
                .map(|r| json!({"privileges": r.privileges, "clusters": r.clusters}))
                .collect();
            out.insert("remote_cluster".into(), Value::Array(remote));
        }
        Value::Object(out)
    }
}

impl IndicesPrivileges {
    /// The group in `GET /_security/role` shape: `names`, `privileges`, `field_security`,
    /// `query` (as a string), `allow_restricted_indices`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut o = Map::new();
        o.insert("names".into(), json!(self.names));
        o.insert("privileges".into(), json!(self.privileges));
        if let Some(fls) = &self.field_security {
            let mut f = Map::new();
            if let Some(grant) = &fls.grant {
                f.insert("grant".into(), json!(grant));
            }
            if !fls.except.is_empty() {
                f.insert("except".into(), json!(fls.except));
            }
            o.insert("field_security".into(), Value::Object(f));
        }
        if let Some(q) = &self.query {
            o.insert("query".into(), Value::String(q.clone()));
        }
        o.insert(
            "allow_restricted_indices".into(),
            Value::Bool(self.allow_restricted_indices),
        );
        o
    }
}

fn parse_indices(
    role: &str,
    key: &str,
    value: &Value,
) -> Result<Vec<IndicesPrivileges>, RoleError> {
    let Value::Array(items) = value else {
        return Err(RoleError::parse(format!(
            "failed to parse indices privileges for role [{role}]. expected field [{key}] value to be an array, but found [{}] instead",
            json_token_name(value)
        )));
    };
    items
        .iter()
        .map(|i| parse_index_group(role, key, i, false).map(|(group, _)| group))
        .collect()
}

/// `remote_indices`: index groups that also name their `clusters`.
fn parse_remote_indices(
    role: &str,
    key: &str,
    value: &Value,
) -> Result<Vec<RemoteIndicesPrivileges>, RoleError> {
    let Value::Array(items) = value else {
        return Err(RoleError::parse(format!(
            "failed to parse remote indices privileges for role [{role}]. expected field [{key}] value to be an array, but found [{}] instead",
            json_token_name(value)
        )));
    };
    items
        .iter()
        .map(|item| {
            let (group, clusters) = parse_index_group(role, key, item, true)?;
            let clusters = clusters.ok_or_else(|| {
                RoleError::parse(format!(
                    "failed to parse remote indices privileges for role [{role}]. missing required [clusters] field"
                ))
            })?;
            Ok(RemoteIndicesPrivileges { clusters, group })
        })
        .collect()
}

/// `remote_cluster`: `{"privileges": [..], "clusters": [..]}` groups, as Elasticsearch 8.15+
/// parses them (only `monitor_enrich` and `monitor_stats`; both fields or neither).
fn parse_remote_cluster(
    role: &str,
    key: &str,
    value: &Value,
) -> Result<Vec<RemoteClusterPrivileges>, RoleError> {
    let prefix = format!("failed to parse remote_cluster for role [{role}].");
    let Value::Array(items) = value else {
        return Err(RoleError::parse(format!(
            "{prefix} expected field [{key}] value to be an array, but found [{}] instead",
            json_token_name(value)
        )));
    };
    let wrapped = |cause: String| RoleError {
        caused_by: Some(cause),
        ..RoleError::parse(format!("failed to parse role [{role}]"))
    };
    let mut groups = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(fields) = item else {
            return Err(RoleError::parse(format!(
                "{prefix} unexpected field [null]"
            )));
        };
        let (mut privileges, mut clusters) = (None, None);
        for (k, v) in fields {
            match k.as_str() {
                "privileges" => {
                    let p = string_array(k, v, false)
                        .map_err(wrapped)?
                        .unwrap_or_default();
                    let supported = p.iter().all(|name| {
                        REMOTE_CLUSTER_PRIVILEGES.contains(&name.trim().to_lowercase().as_str())
                    });
                    if !supported {
                        return Err(RoleError::parse(format!(
                            "{prefix} [{}] are the only values allowed for [{k}] within [remote_cluster]. Found [{}]",
                            REMOTE_CLUSTER_PRIVILEGES.join(", "),
                            p.join(", ")
                        )));
                    }
                    privileges = Some(p);
                }
                "clusters" => {
                    clusters = Some(
                        string_array(k, v, false)
                            .map_err(wrapped)?
                            .unwrap_or_default(),
                    )
                }
                other => {
                    return Err(RoleError::parse(format!(
                        "{prefix} unexpected field [{other}]"
                    )));
                }
            }
        }
        let (privileges, clusters) = match (privileges, clusters) {
            (Some(_), None) => {
                return Err(RoleError::parse(format!(
                    "{prefix} [clusters] must be defined when [privileges] are defined"
                )));
            }
            (None, Some(_)) => {
                return Err(RoleError::parse(format!(
                    "{prefix} [privileges] must be defined when [clusters] are defined"
                )));
            }
            (p, c) => (p.unwrap_or_default(), c.unwrap_or_default()),
        };
        // `RemoteClusterPermissionGroup`'s constructor checks.
        if privileges.is_empty() || clusters.is_empty() {
            return Err(RoleError::illegal_argument(
                "remote cluster groups must not be null or empty",
            ));
        }
        if clusters.iter().any(|c| c.trim().is_empty()) {
            return Err(RoleError::illegal_argument(
                "remote_cluster clusters aliases must contain valid non-empty, non-null values",
            ));
        }
        groups.push(RemoteClusterPrivileges {
            privileges,
            clusters,
        });
    }
    Ok(groups)
}

/// One index group (`indices`, or with `allow_clusters` one of `remote_indices`, which also
/// names its `clusters`), as `RoleDescriptor.parseIndexWithOptionalRemoteClusters` reads it.
fn parse_index_group(
    role: &str,
    key: &str,
    item: &Value,
    allow_clusters: bool,
) -> Result<(IndicesPrivileges, Option<Vec<String>>), RoleError> {
    let prefix = format!("failed to parse indices privileges for role [{role}].");
    let Value::Object(fields) = item else {
        return Err(RoleError::parse(format!(
            "{prefix} expected field [{key}] value to be an array of objects, but found an array element of type [{}]",
            json_token_name(item)
        )));
    };
    let mut names = None;
    let mut privileges = None;
    let mut field_security = None;
    let mut query = None;
    let mut allow_restricted_indices = false;
    let mut clusters = None;
    for (k, v) in fields {
        match k.as_str() {
            "clusters" if allow_clusters => {
                clusters = Some(
                    string_array(k, v, false)
                        .map_err(|c| RoleError {
                            caused_by: Some(c),
                            ..RoleError::parse(format!("failed to parse role [{role}]"))
                        })?
                        .unwrap_or_default(),
                )
            }
            "names" => {
                names = Some(match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) if a.is_empty() => {
                        return Err(RoleError::parse(format!(
                            "{prefix} [{k}] cannot be an empty array"
                        )));
                    }
                    Value::Array(_) => string_array(k, v, false)
                        .map_err(|c| RoleError {
                            caused_by: Some(c),
                            ..RoleError::parse(format!("failed to parse role [{role}]"))
                        })?
                        .unwrap_or_default(),
                    other => {
                        return Err(RoleError::parse(format!(
                            "{prefix} expected field [{k}] value to be a string or an array of strings, but found [{}] instead",
                            json_token_name(other)
                        )));
                    }
                })
            }
            "privileges" => {
                privileges = Some(
                    string_array(k, v, false)
                        .map_err(|c| RoleError {
                            caused_by: Some(c),
                            ..RoleError::parse(format!("failed to parse role [{role}]"))
                        })?
                        .unwrap_or_default(),
                )
            }
            "allow_restricted_indices" => match v {
                Value::Bool(b) => allow_restricted_indices = *b,
                other => {
                    return Err(RoleError::parse(format!(
                        "{prefix} expected field [{k}] value to be a boolean, but found [{}] instead",
                        json_token_name(other)
                    )));
                }
            },
            "query" => match v {
                Value::Null => {}
                Value::String(s) => query = Some(s.clone()),
                Value::Object(_) | Value::Array(_) => query = Some(v.to_string()),
                other => {
                    return Err(RoleError::parse(format!(
                        "{prefix} expected field [{k}] value to be null, a string, an array, or an object, but found [{}] instead",
                        json_token_name(other)
                    )));
                }
            },
            "field_security" => field_security = Some(parse_field_security(role, &prefix, v)?),
            _ => {
                return Err(RoleError::parse(format!("{prefix} unexpected field [{k}]")));
            }
        }
    }
    let Some(names) = names else {
        return Err(RoleError::parse(format!(
            "{prefix} missing required [names] field"
        )));
    };
    let Some(privileges) = privileges else {
        return Err(RoleError::parse(format!(
            "{prefix} missing required [privileges] field"
        )));
    };
    Ok((
        IndicesPrivileges {
            names,
            privileges,
            field_security,
            query,
            allow_restricted_indices,
        },
        clusters,
    ))
}

fn parse_field_security(role: &str, prefix: &str, v: &Value) -> Result<FieldSecurity, RoleError> {
    let Value::Object(fields) = v else {
        return Err(RoleError::parse(format!(
            "{prefix} expected field [field_security] value to be an object, but found [{}] instead",
            json_token_name(v)
        )));
    };
    let mut fls = FieldSecurity::default();
    for (k, val) in fields {
        let list = match val {
            Value::String(s) => Some(vec![s.clone()]),
            _ => string_array(k, val, true).map_err(|c| RoleError {
                caused_by: Some(c),
                ..RoleError::parse(format!("failed to parse role [{role}]"))
            })?,
        };
        match k.as_str() {
            "grant" => fls.grant = Some(list.unwrap_or_default()),
            "except" => fls.except = list.unwrap_or_default(),
            _ => {
                return Err(RoleError::parse(format!(
                    "{prefix} expected field [field_security] to contain only [grant] and [except], but found [{k}]"
                )));
            }
        }
    }
    Ok(fls)
}

fn parse_applications(
    role: &str,
    key: &str,
    value: &Value,
) -> Result<Vec<ApplicationPrivileges>, RoleError> {
    let prefix = format!("failed to parse application privileges for role [{role}].");
    let Value::Array(items) = value else {
        return Err(RoleError::parse(format!(
            "{prefix} expected field [{key}] value to be an array, but found [{}] instead",
            json_token_name(value)
        )));
    };
    items
        .iter()
        .map(|item| {
            let Value::Object(fields) = item else {
                return Err(RoleError::parse(format!(
                    "{prefix} expected field [{key}] value to be an array of objects, but found an array element of type [{}]",
                    json_token_name(item)
                )));
            };
            let mut application = None;
            let mut privileges = None;
            let mut resources = None;
            for (k, v) in fields {
                let as_list = || {
                    string_array(k, v, false)
                        .map_err(|c| RoleError {
                            caused_by: Some(c),
                            ..RoleError::parse(format!("failed to parse role [{role}]"))
                        })
                        .map(Option::unwrap_or_default)
                };
                match k.as_str() {
                    "application" => match v {
                        Value::String(s) => application = Some(s.clone()),
                        other => {
                            return Err(RoleError::parse(format!(
                                "{prefix} expected field [{k}] value to be a string, but found [{}] instead",
                                json_token_name(other)
                            )));
                        }
                    },
                    "privileges" => privileges = Some(as_list()?),
                    "resources" => resources = Some(as_list()?),
                    _ => return Err(RoleError::parse(format!("{prefix} unexpected field [{k}]"))),
                }
            }
            let missing = |f: &str| RoleError::parse(format!("{prefix} missing required [{f}] field"));
            Ok(ApplicationPrivileges {
                application: application.ok_or_else(|| missing("application"))?,
                privileges: privileges.ok_or_else(|| missing("privileges"))?,
                resources: resources.ok_or_else(|| missing("resources"))?,
            })
        })
        .collect()
}

/// `Validation.Roles.validateRoleName`: `Some(message)` when `name` is not acceptable.
pub fn validate_role_name(name: &str) -> Option<String> {
    let printable = name.bytes().all(|b| (0x20..=0x7e).contains(&b));
    let trimmed = !name.starts_with(' ') && !name.ends_with(' ');
    if name.is_empty() || name.len() > MAX_ROLE_NAME_LENGTH || !printable || !trimmed {
        return Some(format!(
            "Role names must be at least 1 and no more than {MAX_ROLE_NAME_LENGTH} characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed."
        ));
    }
    None
}

/// Application names: a lowercase letter first, then `[A-Za-z0-9_-]` (a trailing `*` allowed
/// in roles), at least 3 characters unless a wildcard.
pub fn validate_application_name(name: &str, allow_wildcard: bool) -> Option<String> {
    if allow_wildcard && name == "*" {
        return None;
    }
    let (body, _star) = match name.strip_suffix('*') {
        Some(b) if allow_wildcard => (b, true),
        _ => (name, false),
    };
    let mut chars = body.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = body
        .chars()
        .skip(1)
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !first_ok || !rest_ok {
        return Some(format!(
            "An application name must begin with a lowercase letter (found [{name}])"
        ));
    }
    None
}

/// Application privilege names are `[a-z][a-zA-Z0-9_.-]*`; anything containing `/`, `*` or
/// `:` is an action pattern and is accepted as such.
pub fn validate_application_privilege(name: &str) -> Option<String> {
    if is_application_action(name) {
        return None;
    }
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        None
    } else {
        Some(format!(
            "An application privilege name must match the pattern [a-z][a-zA-Z0-9_.-]{{0,}} (found '{name}')"
        ))
    }
}

/// Whether an application privilege entry is an action pattern rather than a name.
pub fn is_application_action(name: &str) -> bool {
    name.contains('/') || name.contains('*') || name.contains(':')
}

#[cfg(test)]
#[path = "descriptor_tests.rs"]
mod tests;

/// Checks `global` as Elasticsearch's `ConfigurableClusterPrivileges.parse` does: categories
/// `application` (`manage.applications`), `profile` (`write.applications`) and `role`
/// (`manage`, stored but granting nothing here), each an object of the one privilege it knows.
fn validate_global(global: &Value) -> Result<(), RoleError> {
    let fail = global_error;
    let object = global_object;
    for (category, privileges) in object(global)? {
        let privilege = match category.as_str() {
            "application" => "manage",
            "profile" => "write",
            "role" => "manage",
            other => return Err(fail("one of [application, profile, role]", other)),
        };
        for (name, body) in object(privileges)? {
            if name != privilege {
                return Err(fail(&format!("field name [{privilege}]"), name));
            }
            if category == "role" {
                object(body)?;
                continue;
            }
            let body = object(body)?;
            for (field, value) in body {
                if field != "applications" {
                    return Err(fail("field name [applications]", field));
                }
                let ok = value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string));
                if !ok {
                    return Err(fail("[START_ARRAY] of strings", json_token_name(value)));
                }
            }
            if !body.contains_key("applications") {
                return Err(fail("field name [applications]", "END_OBJECT"));
            }
        }
    }
    Ok(())
}

fn global_error(expected: &str, found: &str) -> RoleError {
    RoleError {
        error_type: ironstack_types::EsErrorType::XContentParse,
        reason: format!(
            "failed to parse privilege. expected {expected} but found [{found}] instead"
        ),
        caused_by: None,
    }
}

fn global_object(v: &Value) -> Result<&Map<String, Value>, RoleError> {
    v.as_object()
        .ok_or_else(|| global_error("[START_OBJECT]", json_token_name(v)))
}
