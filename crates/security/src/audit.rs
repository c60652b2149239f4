//! Elasticsearch's logfile audit trail without the I/O: the event model (`event.type`,
//! `event.action` and the other fields of `<cluster>_audit.json`), which events are written
//! (`events.include`/`exclude` and the `ignore_filters` policies), the JSON line encoding in
//! Elasticsearch's field order, request-body redaction, and the `security_config_change`
//! objects (`put`, `change`, `delete`, `create`, `invalidate`) built from a request.
//!
//! Nothing here ever carries a password, hash, API key secret or token: the change objects
//! record `has_password` instead, and request bodies pass through [`redact_body`].

use std::borrow::Cow;
use std::time::SystemTime;

use ironstack_types::{ActionName, action, date};

use serde_json::{Map, Value, json};

use crate::rbac::automaton::Wildcard;
use crate::{Error, Result};

/// An event category, as named in `xpack.security.audit.logfile.events.include|exclude`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditLevel {
    /// `anonymous_access_denied`: no credentials and no anonymous access.
    AnonymousAccessDenied,
    /// `authentication_failed`: credentials were given and rejected.
    AuthenticationFailed,
    /// `realm_authentication_failed`: one realm rejected the credentials.
    RealmAuthenticationFailed,
    /// `access_granted`
    AccessGranted,
    /// `access_denied`
    AccessDenied,
    /// `tampered_request`
    TamperedRequest,
    /// `connection_granted` (IP filter)
    ConnectionGranted,
    /// `connection_denied` (IP filter)
    ConnectionDenied,
    /// `system_access_granted`
    SystemAccessGranted,
    /// `authentication_success`
    AuthenticationSuccess,
    /// `run_as_granted`
    RunAsGranted,
    /// `run_as_denied`
    RunAsDenied,
    /// `security_config_change`
    SecurityConfigChange,
}

impl AuditLevel {
    /// Every level, in Elasticsearch's `AuditLevel` order.
    pub const ALL: [AuditLevel; 13] = [
        AuditLevel::AnonymousAccessDenied,
        AuditLevel::AuthenticationFailed,
        AuditLevel::RealmAuthenticationFailed,
        AuditLevel::AccessGranted,
        AuditLevel::AccessDenied,
        AuditLevel::TamperedRequest,
        AuditLevel::ConnectionGranted,
        AuditLevel::ConnectionDenied,
        AuditLevel::SystemAccessGranted,
        AuditLevel::AuthenticationSuccess,
        AuditLevel::RunAsGranted,
        AuditLevel::RunAsDenied,
        AuditLevel::SecurityConfigChange,
    ];

    /// Elasticsearch's default `events.include`.
    pub const DEFAULT_INCLUDES: [AuditLevel; 9] = [
        AuditLevel::AccessDenied,
        AuditLevel::AccessGranted,
        AuditLevel::AnonymousAccessDenied,
        AuditLevel::AuthenticationFailed,
        AuditLevel::ConnectionDenied,
        AuditLevel::TamperedRequest,
        AuditLevel::RunAsDenied,
        AuditLevel::RunAsGranted,
        AuditLevel::SecurityConfigChange,
    ];

    /// The setting name (`access_granted`).
    pub fn name(self) -> &'static str {
        match self {
            AuditLevel::AnonymousAccessDenied => "anonymous_access_denied",
            AuditLevel::AuthenticationFailed => "authentication_failed",
            AuditLevel::RealmAuthenticationFailed => "realm_authentication_failed",
            AuditLevel::AccessGranted => "access_granted",
            AuditLevel::AccessDenied => "access_denied",
            AuditLevel::TamperedRequest => "tampered_request",
            AuditLevel::ConnectionGranted => "connection_granted",
            AuditLevel::ConnectionDenied => "connection_denied",
            AuditLevel::SystemAccessGranted => "system_access_granted",
            AuditLevel::AuthenticationSuccess => "authentication_success",
            AuditLevel::RunAsGranted => "run_as_granted",
            AuditLevel::RunAsDenied => "run_as_denied",
            AuditLevel::SecurityConfigChange => "security_config_change",
        }
    }

    /// Parses one name of `events.include|exclude`.
    pub fn parse(name: &str) -> Option<AuditLevel> {
        AuditLevel::ALL.into_iter().find(|l| l.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// `event.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// `rest`: authentication of a REST request.
    Rest,
    /// `transport`: authorization of an action.
    Transport,
    /// `security_config_change`
    SecurityConfigChange,
}

impl EventType {
    /// The field value.
    pub fn name(self) -> &'static str {
        match self {
            EventType::Rest => "rest",
            EventType::Transport => "transport",
            EventType::SecurityConfigChange => "security_config_change",
        }
    }
}

/// `authentication.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticationType {
    /// A realm (reserved, native, file, PKI).
    Realm,
    /// An API key.
    ApiKey,
    /// A bearer token.
    Token,
    /// Anonymous access.
    Anonymous,
    /// An internal user.
    Internal,
}

impl AuthenticationType {
    /// The field value (`REALM`).
    pub fn name(self) -> &'static str {
        match self {
            AuthenticationType::Realm => "REALM",
            AuthenticationType::ApiKey => "API_KEY",
            AuthenticationType::Token => "TOKEN",
            AuthenticationType::Anonymous => "ANONYMOUS",
            AuthenticationType::Internal => "INTERNAL",
        }
    }
}

/// Which top-level object a `security_config_change` event carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// `put`
    Put,
    /// `delete`
    Delete,
    /// `change`
    Change,
    /// `create`
    Create,
    /// `invalidate`
    Invalidate,
}

impl ChangeKind {
    fn name(self) -> &'static str {
        match self {
            ChangeKind::Put => "put",
            ChangeKind::Delete => "delete",
            ChangeKind::Change => "change",
            ChangeKind::Create => "create",
            ChangeKind::Invalidate => "invalidate",
        }
    }
}

/// What a `security_config_change` event says changed: `{"<kind>": detail}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// The object's name in the event.
    pub kind: ChangeKind,
    /// Its content (`{"user":{"name":..,"has_password":true,..}}`); never a secret.
    pub detail: Value,
}

/// One audit event. Unset fields are left out of the line, as Elasticsearch does.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The include/exclude category.
    pub level: AuditLevel,
    /// `event.type`.
    pub event_type: EventType,
    /// `event.action` (`access_granted`, or `put_user` for a configuration change).
    pub event_action: Cow<'static, str>,
    /// `authentication.type`.
    pub authentication_type: Option<AuthenticationType>,
    /// `user.name`.
    pub user_name: Option<String>,
    /// `user.run_by.name`: the authenticated user of a request that runs as `user.name`.
    pub user_run_by_name: Option<String>,
    /// `user.run_as.name`: the target of a `run_as_granted`/`run_as_denied` event.
    pub user_run_as_name: Option<String>,
    /// `user.realm`.
    pub user_realm: Option<String>,
    /// `user.run_by.realm`.
    pub user_run_by_realm: Option<String>,
    /// `user.run_as.realm`.
    pub user_run_as_realm: Option<String>,
    /// `user.roles`.
    pub user_roles: Option<Vec<String>>,
    /// `apikey.id`.
    pub apikey_id: Option<String>,
    /// `apikey.name`.
    pub apikey_name: Option<String>,
    /// `origin.type` (`rest`).
    pub origin_type: Option<&'static str>,
    /// `origin.address` (`127.0.0.1:53424`, `[::1]:52434`).
    pub origin_address: Option<String>,
    /// `realm`: the realm that authenticated (or failed to authenticate) the request.
    pub realm: Option<String>,
    /// `url.path`.
    pub url_path: Option<String>,
    /// `url.query`.
    pub url_query: Option<String>,
    /// `request.method`.
    pub request_method: Option<String>,
    /// `request.body`, already redacted.
    pub request_body: Option<String>,
    /// `request.id`: correlates the events of one request.
    pub request_id: Option<String>,
    /// `action`: the Elasticsearch action name.
    pub action: Option<String>,
    /// `request.name`.
    pub request_name: Option<String>,
    /// `indices`.
    pub indices: Option<Vec<String>>,
    /// `opaque_id` (`X-Opaque-Id`).
    pub opaque_id: Option<String>,
    /// `trace.id` (from `traceparent`).
    pub trace_id: Option<String>,
    /// `x_forwarded_for`.
    pub x_forwarded_for: Option<String>,
    /// The `put`/`delete`/`change`/`create`/`invalidate` object.
    pub change: Option<ConfigChange>,
}

impl AuditEvent {
    /// An event with only its category, type and action set.
    pub fn new(
        level: AuditLevel,
        event_type: EventType,
        event_action: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            level,
            event_type,
            event_action: event_action.into(),
            authentication_type: None,
            user_name: None,
            user_run_by_name: None,
            user_run_as_name: None,
            user_realm: None,
            user_run_by_realm: None,
            user_run_as_realm: None,
            user_roles: None,
            apikey_id: None,
            apikey_name: None,
            origin_type: None,
            origin_address: None,
            realm: None,
            url_path: None,
            url_query: None,
            request_method: None,
            request_body: None,
            request_id: None,
            action: None,
            request_name: None,
            indices: None,
            opaque_id: None,
            trace_id: None,
            x_forwarded_for: None,
            change: None,
        }
    }

    /// A `security_config_change` event (`event.action` is e.g. `put_user`).
    pub fn config_change(event_action: &'static str, change: ConfigChange) -> Self {
        let mut e = Self::new(
            AuditLevel::SecurityConfigChange,
            EventType::SecurityConfigChange,
            event_action,
        );
        e.change = Some(change);
        e
    }
}

/// The node fields every line carries, already chosen by the `emit_*` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalNode {
    /// `cluster.name` (`emit_cluster_name`, default off).
    pub cluster_name: Option<String>,
    /// `cluster.uuid` (`emit_cluster_uuid`, default on).
    pub cluster_uuid: Option<String>,
    /// `node.name` (`emit_node_name`, default off).
    pub node_name: Option<String>,
    /// `node.id` (`emit_node_id`, default on).
    pub node_id: Option<String>,
    /// `host.name` (`emit_node_host_name`, default off).
    pub host_name: Option<String>,
    /// `host.ip` (`emit_node_host_address`, default off).
    pub host_ip: Option<String>,
}

/// Elasticsearch's audit timestamp, `yyyy-MM-dd'T'HH:mm:ss,SSSZ`, in UTC (`+0000`).
pub fn format_timestamp(at: SystemTime) -> String {
    date::format_audit_timestamp(date::timestamp_from_system_time(at))
}

/// One line of `<cluster>_audit.json` (without the newline): Elasticsearch's field order,
/// `, ` between top-level fields, compact nested values.
pub fn encode(event: &AuditEvent, node: &LocalNode, at: SystemTime) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("{\"type\":\"audit\", \"timestamp\":\"");
    out.push_str(&format_timestamp(at));
    out.push('"');
    let o = &mut out;
    push_text(o, "cluster.name", node.cluster_name.as_deref());
    push_text(o, "cluster.uuid", node.cluster_uuid.as_deref());
    push_text(o, "node.name", node.node_name.as_deref());
    push_text(o, "node.id", node.node_id.as_deref());
    push_text(o, "host.name", node.host_name.as_deref());
    push_text(o, "host.ip", node.host_ip.as_deref());
    push_text(o, "event.type", Some(event.event_type.name()));
    push_text(o, "event.action", Some(&event.event_action));
    push_text(
        o,
        "authentication.type",
        event.authentication_type.map(AuthenticationType::name),
    );
    push_text(o, "user.name", event.user_name.as_deref());
    push_text(o, "user.run_by.name", event.user_run_by_name.as_deref());
    push_text(o, "user.run_as.name", event.user_run_as_name.as_deref());
    push_text(o, "user.realm", event.user_realm.as_deref());
    push_text(o, "user.run_by.realm", event.user_run_by_realm.as_deref());
    push_text(o, "user.run_as.realm", event.user_run_as_realm.as_deref());
    if let Some(roles) = &event.user_roles {
        push_field(o, "user.roles", &json!(roles));
    }
    push_text(o, "apikey.id", event.apikey_id.as_deref());
    push_text(o, "apikey.name", event.apikey_name.as_deref());
    push_text(o, "origin.type", event.origin_type);
    push_text(o, "origin.address", event.origin_address.as_deref());
    push_text(o, "realm", event.realm.as_deref());
    push_text(o, "url.path", event.url_path.as_deref());
    push_text(o, "url.query", event.url_query.as_deref());
    push_text(o, "request.method", event.request_method.as_deref());
    push_text(o, "request.body", event.request_body.as_deref());
    push_text(o, "request.id", event.request_id.as_deref());
    push_text(o, "action", event.action.as_deref());
    push_text(o, "request.name", event.request_name.as_deref());
    if let Some(indices) = event.indices.as_ref().filter(|i| !i.is_empty()) {
        push_field(o, "indices", &json!(indices));
    }
    push_text(o, "opaque_id", event.opaque_id.as_deref());
    push_text(o, "trace.id", event.trace_id.as_deref());
    push_text(o, "x_forwarded_for", event.x_forwarded_for.as_deref());
    if let Some(change) = &event.change {
        push_field(o, change.kind.name(), &change.detail);
    }
    out.push('}');
    out
}

fn push_text(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        push_field(out, name, &Value::from(v));
    }
}

fn push_field(out: &mut String, name: &str, value: &Value) {
    out.push_str(", \"");
    out.push_str(name);
    out.push_str("\":");
    // Serialising a `Value` to a string cannot fail.
    out.push_str(&serde_json::to_string(value).unwrap_or_default());
}

/// One `ignore_filters.<policy>` as configured (the config crate parses it): each list of
/// patterns (`*`, `?`, `/regex/`) is optional; an event is ignored when it matches every list
/// that is set.
pub use ironstack_config::AuditIgnorePolicy as IgnorePolicy;

#[derive(Debug, Clone)]
enum Matcher {
    Wildcard(Wildcard),
    Regex(regex::Regex),
}

impl Matcher {
    fn matches(&self, text: &str) -> bool {
        match self {
            Matcher::Wildcard(w) => w.matches(text),
            Matcher::Regex(r) => r.is_match(text),
        }
    }
}

/// A compiled pattern list; `None` (unset) matches everything.
#[derive(Debug, Clone)]
struct Patterns(Option<Vec<Matcher>>);

impl Patterns {
    fn compile(policy: &str, field: &str, patterns: &Option<Vec<String>>) -> Result<Self> {
        let Some(patterns) = patterns else {
            return Ok(Patterns(None));
        };
        let mut out = Vec::with_capacity(patterns.len());
        for p in patterns {
            let m = match p.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
                Some(re) if p.len() >= 2 => {
                    let re = regex::Regex::new(&format!("^(?:{re})$")).map_err(|e| {
                        Error::InvalidAuditFilter {
                            setting: format!(
                                "xpack.security.audit.logfile.events.ignore_filters.{policy}.{field}"
                            ),
                            reason: format!("invalid regular expression [{p}]: {e}"),
                        }
                    })?;
                    Matcher::Regex(re)
                }
                _ => Matcher::Wildcard(Wildcard::new(p)),
            };
            out.push(m);
        }
        Ok(Patterns(Some(out)))
    }

    fn matches(&self, value: &str) -> bool {
        match &self.0 {
            None => true,
            Some(ms) => ms.iter().any(|m| m.matches(value)),
        }
    }

    /// Every value must match; an absent or empty list stands for the empty string, so
    /// `""` in a filter matches events without that field, as in Elasticsearch.
    fn matches_all(&self, values: Option<&[String]>) -> bool {
        if self.0.is_none() {
            return true;
        }
        match values {
            Some(v) if !v.is_empty() => v.iter().all(|x| self.matches(x)),
            _ => self.matches(""),
        }
    }
}

#[derive(Debug, Clone)]
struct CompiledPolicy {
    users: Patterns,
    realms: Patterns,
    actions: Patterns,
    roles: Patterns,
    indices: Patterns,
}

impl CompiledPolicy {
    fn ignores(&self, e: &AuditEvent) -> bool {
        self.users.matches(e.user_name.as_deref().unwrap_or(""))
            && self
                .realms
                .matches(e.user_realm.as_deref().or(e.realm.as_deref()).unwrap_or(""))
            && self.actions.matches(e.action.as_deref().unwrap_or(""))
            && self.roles.matches_all(e.user_roles.as_deref())
            && self.indices.matches_all(e.indices.as_deref())
    }
}

/// Which events are written: the include/exclude levels and the ignore policies.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    levels: u16,
    policies: Vec<CompiledPolicy>,
}

impl AuditFilter {
    /// `include` minus `exclude`, with `policies` compiled. A `/regex/` that does not
    /// compile is an error naming its setting.
    pub fn new(
        include: &[AuditLevel],
        exclude: &[AuditLevel],
        policies: &[IgnorePolicy],
    ) -> Result<Self> {
        let mut levels = include.iter().fold(0u16, |acc, l| acc | l.bit());
        for l in exclude {
            levels &= !l.bit();
        }
        let policies = policies
            .iter()
            .map(|p| {
                let c = |field: &str, v: &Option<Vec<String>>| Patterns::compile(&p.name, field, v);
                Ok(CompiledPolicy {
                    users: c("users", &p.users)?,
                    realms: c("realms", &p.realms)?,
                    actions: c("actions", &p.actions)?,
                    roles: c("roles", &p.roles)?,
                    indices: c("indices", &p.indices)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { levels, policies })
    }

    /// Whether events of `level` are written at all (cheap: check before building one).
    pub fn level_enabled(&self, level: AuditLevel) -> bool {
        self.levels & level.bit() != 0
    }

    /// Whether `event` is written. `security_config_change` events are not subject to
    /// ignore policies (only to `exclude`), as in Elasticsearch.
    pub fn accepts(&self, event: &AuditEvent) -> bool {
        self.level_enabled(event.level)
            && (event.level == AuditLevel::SecurityConfigChange
                || !self.policies.iter().any(|p| p.ignores(event)))
    }
}

/// Body fields that hold a credential wherever they appear: the union of the fields
/// Elasticsearch's REST handlers filter from audited bodies (`RestRequestFilter`
/// `getFilteredFields()`: put user and change password `password`, `passwordHash`,
/// `password_hash`; get token `password`, `kerberos_ticket`, `refresh_token`; invalidate token
/// `token`, `refresh_token`; grant API key and activate profile `password`, `access_token`;
/// reload secure settings `secure_settings_password`; OpenID Connect `redirect_uri`), plus
/// other credential names. Elasticsearch filters per API; here every API's body is filtered
/// for all of them, at any depth, compared without case.
const SECRET_FIELDS: &[&str] = &[
    "password",
    "password_hash",
    "passwordhash",
    "passphrase",
    "client_secret",
    "access_token",
    "refresh_token",
    "token",
    "kerberos_ticket",
    "secure_settings_password",
    "redirect_uri",
];

/// Fields that are credentials only as strings: `api_key` is the key's description (an
/// object) in a grant request, but the secret itself elsewhere.
const SECRET_STRING_FIELDS: &[&str] = &["api_key", "encoded", "secret"];

/// Whether field `name` (inside an object that is the value of `parent`) holds a credential.
fn is_secret_field(parent: Option<&str>, name: &str, value: &Value) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_FIELDS.contains(&name.as_str())
        || name.ends_with("_password")
        || name.starts_with("secure_")
        || (value.is_string() && SECRET_STRING_FIELDS.contains(&name.as_str()))
        // Grant API key: `client_authentication.value` is the client's shared secret.
        || (name == "value"
            && parent.is_some_and(|p| p.eq_ignore_ascii_case("client_authentication")))
}

fn strip_secrets(parent: Option<&str>, v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|k, v| !is_secret_field(parent, k, v));
            for (key, child) in map.iter_mut() {
                strip_secrets(Some(key), child);
            }
        }
        // The objects of an array are inside the array's field.
        Value::Array(items) => items.iter_mut().for_each(|i| strip_secrets(parent, i)),
        _ => {}
    }
}

/// `request.body` for an audit event: the JSON (or NDJSON) body with every credential field
/// (`password`, `password_hash`, `access_token`, `refresh_token`, `token`, `api_key`,
/// `client_authentication.value`, `*_password`, ... see [`SECRET_FIELDS`]) removed at any
/// depth. A body that is not JSON is left out entirely (`None`), so a
/// malformed body can never leak a password; an empty body is `None` too.
pub fn redact_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if text.trim().is_empty() {
        return None;
    }
    if let Ok(mut v) = serde_json::from_str::<Value>(text) {
        strip_secrets(None, &mut v);
        return serde_json::to_string(&v).ok();
    }
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut v = serde_json::from_str::<Value>(line).ok()?;
        strip_secrets(None, &mut v);
        lines.push(serde_json::to_string(&v).ok()?);
    }
    Some(lines.join("\n") + "\n")
}

/// `request.name`: the simple class name of Elasticsearch's transport request for `action`,
/// for the actions whose request class is known here; `None` leaves the field out.
pub fn request_name(action: ActionName) -> Option<&'static str> {
    Some(match action {
        action::USER_PUT => "PutUserRequest",
        action::USER_GET => "GetUsersRequest",
        action::USER_DELETE => "DeleteUserRequest",
        action::USER_CHANGE_PASSWORD => "ChangePasswordRequest",
        action::USER_SET_ENABLED => "SetEnabledRequest",
        action::AUTHENTICATE => "AuthenticateRequest",
        action::USER_HAS_PRIVILEGES => "HasPrivilegesRequest",
        action::USER_LIST_PRIVILEGES => "GetUserPrivilegesRequest",
        action::USER_QUERY => "QueryUserRequest",
        action::ROLE_PUT => "PutRoleRequest",
        action::ROLE_GET => "GetRolesRequest",
        action::ROLE_DELETE => "DeleteRoleRequest",
        action::ROLE_BULK_PUT => "BulkPutRolesRequest",
        action::ROLE_BULK_DELETE => "BulkDeleteRolesRequest",
        action::ROLE_QUERY => "QueryRoleRequest",
        action::ROLE_MAPPING_PUT => "PutRoleMappingRequest",
        action::ROLE_MAPPING_GET => "GetRoleMappingsRequest",
        action::ROLE_MAPPING_DELETE => "DeleteRoleMappingRequest",
        action::API_KEY_CREATE => "CreateApiKeyRequest",
        action::API_KEY_GRANT => "GrantApiKeyRequest",
        action::API_KEY_GET => "GetApiKeyRequest",
        action::API_KEY_QUERY => "QueryApiKeyRequest",
        action::API_KEY_UPDATE => "UpdateApiKeyRequest",
        action::API_KEY_BULK_UPDATE => "BulkUpdateApiKeyRequest",
        action::API_KEY_INVALIDATE => "InvalidateApiKeyRequest",
        action::PRIVILEGE_PUT => "PutPrivilegesRequest",
        action::PRIVILEGE_GET => "GetPrivilegesRequest",
        action::PRIVILEGE_DELETE => "DeletePrivilegesRequest",
        action::PRIVILEGE_BUILTIN => "GetBuiltinPrivilegesRequest",
        action::TOKEN_CREATE | action::TOKEN_REFRESH => "CreateTokenRequest",
        action::TOKEN_INVALIDATE => "InvalidateTokenRequest",
        action::REALM_CACHE_CLEAR => "ClearRealmCacheRequest",
        action::ROLES_CACHE_CLEAR => "ClearRolesCacheRequest",
        action::PRIVILEGE_CACHE_CLEAR => "ClearPrivilegesCacheRequest",
        action::SECURITY_CACHE_CLEAR => "ClearSecurityCacheRequest",
        action::MAIN => "MainRequest",
        action::CLUSTER_HEALTH => "ClusterHealthRequest",
        action::CLUSTER_STATE => "ClusterStateRequest",
        action::NODES_INFO => "NodesInfoRequest",
        action::NODES_STATS => "NodesStatsRequest",
        action::XPACK_INFO => "XPackInfoRequest",
        action::LICENSE_GET => "GetLicenseRequest",
        action::BULK => "BulkRequest",
        action::INDEX => "IndexRequest",
        action::DELETE => "DeleteRequest",
        action::UPDATE => "UpdateRequest",
        action::GET => "GetRequest",
        action::SEARCH => "SearchRequest",
        action::CREATE_INDEX | action::AUTO_CREATE_INDEX => "CreateIndexRequest",
        action::DELETE_INDEX => "DeleteIndexRequest",
        _ => return None,
    })
}

/// What the change builders need from a request besides its body.
pub struct ChangeRequest<'a> {
    /// The Elasticsearch action.
    pub action: ActionName,
    /// The request path (`/_security/user/joe/_disable`).
    pub path: &'a str,
    /// A named path parameter (`username`, `name`, `application`, `id`), decoded.
    pub param: &'a dyn Fn(&str) -> Option<String>,
    /// The authenticated user (for `_password` on one's own account).
    pub caller: &'a str,
}

/// Whether `action` changes security configuration (and so may produce
/// `security_config_change` events through [`config_changes`]).
pub fn is_config_change_action(action: ActionName) -> bool {
    CHANGE_ACTIONS.contains(&action)
}

const CHANGE_ACTIONS: &[ActionName] = &[
    action::USER_PUT,
    action::USER_DELETE,
    action::USER_CHANGE_PASSWORD,
    action::USER_SET_ENABLED,
    action::ROLE_PUT,
    action::ROLE_DELETE,
    action::ROLE_BULK_PUT,
    action::ROLE_BULK_DELETE,
    action::ROLE_MAPPING_PUT,
    action::ROLE_MAPPING_DELETE,
    action::API_KEY_CREATE,
    action::API_KEY_GRANT,
    action::API_KEY_UPDATE,
    action::API_KEY_BULK_UPDATE,
    action::API_KEY_INVALIDATE,
    action::PRIVILEGE_PUT,
    action::PRIVILEGE_DELETE,
    action::SERVICE_ACCOUNT_TOKEN_CREATE,
    action::SERVICE_ACCOUNT_TOKEN_DELETE,
];

fn strings(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Array(a)) => a.iter().filter(|x| x.is_string()).cloned().collect(),
        Some(Value::String(s)) => s
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| Value::from(s.trim()))
            .collect(),
        _ => Vec::new(),
    }
}

fn non_empty_object(v: Option<&Value>) -> Option<Value> {
    v.filter(|m| m.as_object().is_some_and(|o| !o.is_empty()))
        .cloned()
}

/// A role descriptor as Elasticsearch's audit trail writes it: `cluster`, `global`,
/// `indices`, `applications`, `run_as`, `metadata`; index `query` as a string.
fn role_descriptor(body: &Value) -> Value {
    let mut out = Map::new();
    out.insert("cluster".into(), Value::Array(strings(body.get("cluster"))));
    if let Some(global) = non_empty_object(body.get("global")) {
        out.insert("global".into(), global);
    }
    let indices = body
        .get("indices")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(index_privileges).collect())
        .unwrap_or_default();
    out.insert("indices".into(), Value::Array(indices));
    let applications = body
        .get("applications")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|app| {
                    json!({
                        "application": app.get("application").cloned().unwrap_or(Value::Null),
                        "privileges": strings(app.get("privileges")),
                        "resources": strings(app.get("resources")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    out.insert("applications".into(), Value::Array(applications));
    out.insert("run_as".into(), Value::Array(strings(body.get("run_as"))));
    if let Some(metadata) = non_empty_object(body.get("metadata")) {
        out.insert("metadata".into(), metadata);
    }
    Value::Object(out)
}

fn index_privileges(entry: &Value) -> Value {
    let mut out = Map::new();
    out.insert("names".into(), Value::Array(strings(entry.get("names"))));
    out.insert(
        "privileges".into(),
        Value::Array(strings(entry.get("privileges"))),
    );
    if let Some(fs) = entry.get("field_security").filter(|f| f.is_object()) {
        let mut f = Map::new();
        f.insert("grant".into(), Value::Array(strings(fs.get("grant"))));
        if fs.get("except").is_some() {
            f.insert("except".into(), Value::Array(strings(fs.get("except"))));
        }
        out.insert("field_security".into(), Value::Object(f));
    }
    match entry.get("query") {
        Some(Value::String(q)) => {
            out.insert("query".into(), Value::from(q.as_str()));
        }
        Some(q @ Value::Object(_)) => {
            out.insert("query".into(), Value::from(q.to_string()));
        }
        _ => {}
    }
    if entry.get("allow_restricted_indices") == Some(&Value::Bool(true)) {
        out.insert("allow_restricted_indices".into(), Value::Bool(true));
    }
    Value::Object(out)
}

fn role_descriptors(v: Option<&Value>) -> Value {
    Value::Array(
        v.and_then(Value::as_object)
            .map(|m| m.values().map(role_descriptor).collect())
            .unwrap_or_default(),
    )
}

fn text(v: Option<&Value>) -> Option<Value> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(Value::from)
}

fn change(kind: ChangeKind, detail: Value) -> ConfigChange {
    ConfigChange { kind, detail }
}

/// The API key object of `create_apikey` (create and grant).
fn api_key_detail(body: &Value) -> Map<String, Value> {
    let mut key = Map::new();
    key.insert(
        "name".into(),
        text(body.get("name")).unwrap_or(Value::from("")),
    );
    if let Some(exp) = text(body.get("expiration")) {
        key.insert("expiration".into(), exp);
    }
    key.insert(
        "role_descriptors".into(),
        role_descriptors(body.get("role_descriptors")),
    );
    if let Some(m) = non_empty_object(body.get("metadata")) {
        key.insert("metadata".into(), m);
    }
    key
}

/// The `security_config_change` events a successful request of `req.action` with `body`
/// (`Value::Null` when it had none) produces, as `(event.action, object)`. Empty for actions
/// that change nothing. Passwords, hashes and tokens are reported only as `has_password` /
/// `has_access_token`.
pub fn config_changes(req: &ChangeRequest<'_>, body: &Value) -> Vec<(&'static str, ConfigChange)> {
    let param = |n: &str| (req.param)(n).unwrap_or_default();
    let user = |name: String| json!({ "user": { "name": name } });
    match req.action {
        action::USER_PUT => {
            let mut u = Map::new();
            u.insert("name".into(), Value::from(param("username")));
            u.insert(
                "enabled".into(),
                Value::Bool(body.get("enabled").and_then(Value::as_bool).unwrap_or(true)),
            );
            u.insert("roles".into(), Value::Array(strings(body.get("roles"))));
            for field in ["full_name", "email"] {
                if let Some(v) = text(body.get(field)) {
                    u.insert(field.into(), v);
                }
            }
            let has_password = ["password", "password_hash"]
                .iter()
                .any(|f| body.get(*f).is_some_and(Value::is_string));
            u.insert("has_password".into(), Value::Bool(has_password));
            if let Some(m) = non_empty_object(body.get("metadata")) {
                u.insert("metadata".into(), m);
            }
            vec![(
                "put_user",
                change(ChangeKind::Put, json!({ "user": Value::Object(u) })),
            )]
        }
        action::USER_DELETE => vec![(
            "delete_user",
            change(ChangeKind::Delete, user(param("username"))),
        )],
        action::USER_CHANGE_PASSWORD => {
            let name = (req.param)("username").unwrap_or_else(|| req.caller.to_string());
            vec![(
                "change_password",
                change(ChangeKind::Change, json!({ "password": user(name) })),
            )]
        }
        action::USER_SET_ENABLED => {
            let (action, key) = if req.path.trim_end_matches('/').ends_with("/_disable") {
                ("change_disable_user", "disable")
            } else {
                ("change_enable_user", "enable")
            };
            vec![(
                action,
                change(ChangeKind::Change, json!({ key: user(param("username")) })),
            )]
        }
        action::ROLE_PUT => vec![(
            "put_role",
            change(
                ChangeKind::Put,
                json!({ "role": { "name": param("name"), "role_descriptor": role_descriptor(body) } }),
            ),
        )],
        action::ROLE_DELETE => vec![(
            "delete_role",
            change(ChangeKind::Delete, json!({ "role": { "name": param("name") } })),
        )],
        action::ROLE_BULK_PUT => body
            .get("roles")
            .and_then(Value::as_object)
            .map(|roles| {
                roles
                    .iter()
                    .map(|(name, d)| {
                        (
                            "put_role",
                            change(
                                ChangeKind::Put,
                                json!({ "role": { "name": name, "role_descriptor": role_descriptor(d) } }),
                            ),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        action::ROLE_BULK_DELETE => strings(body.get("names"))
            .into_iter()
            .map(|name| {
                (
                    "delete_role",
                    change(ChangeKind::Delete, json!({ "role": { "name": name } })),
                )
            })
            .collect(),
        action::ROLE_MAPPING_PUT => {
            let mut m = Map::new();
            m.insert("name".into(), Value::from(param("name")));
            let roles = strings(body.get("roles"));
            if !roles.is_empty() {
                m.insert("roles".into(), Value::Array(roles));
            }
            if let Some(t) = body
                .get("role_templates")
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            {
                m.insert("role_templates".into(), Value::Array(t.clone()));
            }
            m.insert(
                "rules".into(),
                body.get("rules").cloned().unwrap_or_else(|| json!({})),
            );
            m.insert(
                "enabled".into(),
                Value::Bool(body.get("enabled").and_then(Value::as_bool).unwrap_or(true)),
            );
            if let Some(md) = non_empty_object(body.get("metadata")) {
                m.insert("metadata".into(), md);
            }
            vec![(
                "put_role_mapping",
                change(ChangeKind::Put, json!({ "role_mapping": Value::Object(m) })),
            )]
        }
        action::ROLE_MAPPING_DELETE => vec![(
            "delete_role_mapping",
            change(
                ChangeKind::Delete,
                json!({ "role_mapping": { "name": param("name") } }),
            ),
        )],
        action::API_KEY_CREATE => vec![(
            "create_apikey",
            change(
                ChangeKind::Create,
                json!({ "apikey": Value::Object(api_key_detail(body)) }),
            ),
        )],
        action::API_KEY_GRANT => {
            let key_body = body.get("api_key").cloned().unwrap_or(Value::Null);
            let mut key = api_key_detail(&key_body);
            let mut grant = Map::new();
            grant.insert(
                "type".into(),
                text(body.get("grant_type")).unwrap_or(Value::from("")),
            );
            if let Some(name) = text(body.get("username")) {
                grant.insert(
                    "user".into(),
                    json!({ "name": name, "has_password": body.get("password").is_some_and(Value::is_string) }),
                );
            }
            if body.get("access_token").is_some_and(Value::is_string) {
                grant.insert("has_access_token".into(), Value::Bool(true));
            }
            if let Some(run_as) = text(body.get("run_as")) {
                grant.insert("run_as".into(), run_as);
            }
            key.insert("grant".into(), Value::Object(grant));
            vec![(
                "create_apikey",
                change(ChangeKind::Create, json!({ "apikey": Value::Object(key) })),
            )]
        }
        action::API_KEY_UPDATE => {
            let mut key = Map::new();
            // The route names it `{ids}` (one id for this action).
            let id = (req.param)("id").or_else(|| (req.param)("ids"));
            key.insert("id".into(), Value::from(id.unwrap_or_default()));
            if body.get("role_descriptors").is_some() {
                key.insert(
                    "role_descriptors".into(),
                    role_descriptors(body.get("role_descriptors")),
                );
            }
            if let Some(m) = body.get("metadata").filter(|m| m.is_object()) {
                key.insert("metadata".into(), m.clone());
            }
            if let Some(exp) = text(body.get("expiration")) {
                key.insert("expiration".into(), exp);
            }
            vec![(
                "change_apikey",
                change(ChangeKind::Change, json!({ "apikey": Value::Object(key) })),
            )]
        }
        action::API_KEY_BULK_UPDATE => {
            let mut keys = Map::new();
            keys.insert("ids".into(), Value::Array(strings(body.get("ids"))));
            if body.get("role_descriptors").is_some() {
                keys.insert(
                    "role_descriptors".into(),
                    role_descriptors(body.get("role_descriptors")),
                );
            }
            if let Some(m) = body.get("metadata").filter(|m| m.is_object()) {
                keys.insert("metadata".into(), m.clone());
            }
            vec![(
                "change_apikeys",
                change(ChangeKind::Change, json!({ "apikeys": Value::Object(keys) })),
            )]
        }
        action::API_KEY_INVALIDATE => {
            let mut keys = Map::new();
            let mut ids = strings(body.get("ids"));
            if let Some(id) = text(body.get("id")) {
                ids.insert(0, id);
            }
            if !ids.is_empty() {
                keys.insert("ids".into(), Value::Array(ids));
            }
            if let Some(name) = text(body.get("name")) {
                keys.insert("name".into(), name);
            }
            keys.insert(
                "owned_by_authenticated_user".into(),
                Value::Bool(body.get("owner").and_then(Value::as_bool).unwrap_or(false)),
            );
            let mut u = Map::new();
            if let Some(n) = text(body.get("username")) {
                u.insert("name".into(), n);
            }
            if let Some(r) = text(body.get("realm_name")) {
                u.insert("realm".into(), r);
            }
            if !u.is_empty() {
                keys.insert("user".into(), Value::Object(u));
            }
            vec![(
                "invalidate_apikeys",
                change(
                    ChangeKind::Invalidate,
                    json!({ "apikeys": Value::Object(keys) }),
                ),
            )]
        }
        action::PRIVILEGE_PUT => {
            let mut privileges = Vec::new();
            if let Some(apps) = body.as_object() {
                for (application, privs) in apps {
                    for (name, p) in privs.as_object().into_iter().flatten() {
                        let mut e = Map::new();
                        e.insert("application".into(), Value::from(application.as_str()));
                        e.insert("name".into(), Value::from(name.as_str()));
                        e.insert("actions".into(), Value::Array(strings(p.get("actions"))));
                        if let Some(m) = non_empty_object(p.get("metadata")) {
                            e.insert("metadata".into(), m);
                        }
                        privileges.push(Value::Object(e));
                    }
                }
            }
            vec![(
                "put_privileges",
                change(ChangeKind::Put, json!({ "privileges": privileges })),
            )]
        }
        action::PRIVILEGE_DELETE => vec![(
            "delete_privileges",
            change(
                ChangeKind::Delete,
                json!({ "privileges": {
                    "application": param("application"),
                    "privileges": strings(Some(&Value::from(param("name")))),
                } }),
            ),
        )],
        action::SERVICE_ACCOUNT_TOKEN_CREATE
        | action::SERVICE_ACCOUNT_TOKEN_DELETE => {
            let detail = json!({ "service_token": {
                "namespace": param("namespace"),
                "service": param("service"),
                "name": param("name"),
            } });
            if req.action == action::SERVICE_ACCOUNT_TOKEN_CREATE {
                vec![(
                    "create_service_token",
                    change(ChangeKind::Create, detail),
                )]
            } else {
                vec![(
                    "delete_service_token",
                    change(ChangeKind::Delete, detail),
                )]
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
