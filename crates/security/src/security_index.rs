//! How the security store's documents look in the node's document store: Elasticsearch's
//! `.security-7` index (alias `.security`) and `.security-tokens-7` (alias
//! `.security-tokens`), with its document ids (`user-<name>`, `reserved-user-<name>`,
//! `role-<name>`, `role-mapping-<name>`, `application-privilege_<app>:<name>`, the API key's
//! id, `token_<id>`, `service_account_token-<ns>/<service>/<name>`) and its field names, and the translation to and from the store's
//! [`Section`] documents. The translation is lossless: a field it does not know is carried as
//! it is, so a document read back is the document written.

use serde_json::{Map, Value, json};

use crate::authc::RESERVED_USERS;
use crate::query::{Field, FieldKind, Query, SearchRequest};
use crate::store::{Change, Section};

/// The main security index.
pub const SECURITY_INDEX: &str = ".security-7";
/// Its alias.
pub const SECURITY_ALIAS: &str = ".security";
/// The index of access and refresh tokens.
pub const TOKENS_INDEX: &str = ".security-tokens-7";
/// Its alias.
pub const TOKENS_ALIAS: &str = ".security-tokens";

/// The indices and the alias of each, in creation order.
pub const INDICES: [(&str, &str); 2] = [
    (SECURITY_INDEX, SECURITY_ALIAS),
    (TOKENS_INDEX, TOKENS_ALIAS),
];

/// The index that keeps a section's documents.
pub fn index_of(section: Section) -> &'static str {
    match section {
        Section::Tokens => TOKENS_INDEX,
        _ => SECURITY_INDEX,
    }
}

/// The `PUT /<index>` body of a security index: one shard, hidden, the alias; a mapping of
/// the few fields whose type the store controls, everything else kept in `_source` only
/// (`dynamic: false`) so that no user-supplied metadata can make a write fail.
pub fn create_body(index: &str) -> Value {
    let alias = INDICES
        .iter()
        .find(|(i, _)| *i == index)
        .map_or(SECURITY_ALIAS, |(_, a)| *a);
    let epoch = json!({"type": "date", "format": "epoch_millis"});
    let properties = if index == TOKENS_INDEX {
        json!({"doc_type": {"type": "keyword"}, "creation_time": epoch})
    } else {
        let keyword = json!({"type": "keyword"});
        json!({
            "doc_type": keyword,
            "type": keyword,
            "username": keyword,
            "name": keyword,
            "api_key_invalidated": {"type": "boolean"},
            "creation_time": epoch,
            "expiration_time": epoch,
            "invalidation_time": epoch,
            "creator": {"properties": {
                "principal": keyword,
                "realm": keyword,
                "realm_type": keyword,
            }},
            "metadata_flattened": {"type": "flattened"},
        })
    };
    json!({
        "settings": {
            "index.number_of_shards": 1,
            "index.auto_expand_replicas": "0-1",
            "index.hidden": true,
        },
        "mappings": {"dynamic": false, "properties": properties},
        "aliases": {alias: {"is_hidden": true}},
    })
}

/// The `_id` of a section document in its index.
pub fn index_doc_id(section: Section, id: &str) -> String {
    match section {
        Section::Users if RESERVED_USERS.contains(&id) => format!("reserved-user-{id}"),
        Section::Users => format!("user-{id}"),
        Section::Roles => format!("role-{id}"),
        Section::RoleMappings => format!("role-mapping-{id}"),
        Section::ApplicationPrivileges => format!("application-privilege_{id}"),
        Section::ApiKeys => id.to_string(),
        Section::Tokens => format!("token_{id}"),
        Section::ServiceTokens => format!("service_account_token-{id}"),
    }
}

/// The `_id` and `_source` of a section document in its index.
pub fn to_index_doc(section: Section, id: &str, doc: &Value) -> (String, Value) {
    let mut fields = doc.as_object().cloned().unwrap_or_default();
    let source = match section {
        Section::Users => user_to_index(id, fields),
        Section::Roles => {
            fields.insert("type".into(), json!("role"));
            Value::Object(fields)
        }
        Section::RoleMappings => {
            fields.insert("doc_type".into(), json!("role-mapping"));
            Value::Object(fields)
        }
        Section::ApplicationPrivileges => {
            fields.insert("type".into(), json!("application-privilege"));
            Value::Object(fields)
        }
        Section::ApiKeys => api_key_to_index(fields),
        Section::Tokens => {
            fields.entry("doc_type").or_insert_with(|| json!("token"));
            Value::Object(fields)
        }
        Section::ServiceTokens => {
            fields.insert("doc_type".into(), json!("service_account_token"));
            Value::Object(fields)
        }
    };
    (index_doc_id(section, id), source)
}

/// The section document an index document holds, `None` for one this version does not know
/// (it is left alone).
pub fn from_index_doc(index: &str, doc_id: &str, source: Value) -> Option<Change> {
    let Value::Object(mut fields) = source else {
        return None;
    };
    let change = |section, id: &str, fields: Map<String, Value>| {
        Some(Change {
            section,
            id: id.to_string(),
            doc: Some(Value::Object(fields)),
        })
    };
    if index == TOKENS_INDEX {
        let id = doc_id.strip_prefix("token_")?;
        return change(Section::Tokens, id, fields);
    }
    if fields.get("doc_type").and_then(Value::as_str) == Some("api_key") {
        return change(Section::ApiKeys, doc_id, api_key_from_index(doc_id, fields));
    }
    if let Some(name) = doc_id.strip_prefix("reserved-user-") {
        return change(Section::Users, name, user_from_index(fields));
    }
    if let Some(name) = doc_id.strip_prefix("user-") {
        fields.remove("username");
        return change(Section::Users, name, user_from_index(fields));
    }
    if let Some(name) = doc_id.strip_prefix("role-mapping-") {
        fields.remove("doc_type");
        return change(Section::RoleMappings, name, fields);
    }
    if let Some(name) = doc_id.strip_prefix("role-") {
        fields.remove("type");
        return change(Section::Roles, name, fields);
    }
    if let Some(id) = doc_id.strip_prefix("service_account_token-") {
        fields.remove("doc_type");
        return change(Section::ServiceTokens, id, fields);
    }
    if let Some(id) = doc_id.strip_prefix("application-privilege_") {
        fields.remove("type");
        return change(Section::ApplicationPrivileges, id, fields);
    }
    None
}

/// Elasticsearch keeps reserved users as `reserved-user-<name>` (password and enabled only)
/// and native users as `user-<name>` with their `username`; both call the hash `password`.
fn user_to_index(name: &str, mut fields: Map<String, Value>) -> Value {
    let hash = fields.remove("password_hash").unwrap_or(json!(""));
    fields.insert("password".into(), hash);
    if RESERVED_USERS.contains(&name) {
        // The empty defaults a reserved user's record carries say nothing.
        for (key, empty) in [
            ("roles", json!([])),
            ("full_name", Value::Null),
            ("email", Value::Null),
            ("metadata", json!({})),
        ] {
            if fields.get(key) == Some(&empty) {
                fields.remove(key);
            }
        }
        fields.insert("type".into(), json!("reserved-user"));
    } else {
        fields.insert("username".into(), json!(name));
        fields.insert("type".into(), json!("user"));
    }
    Value::Object(fields)
}

fn user_from_index(mut fields: Map<String, Value>) -> Map<String, Value> {
    fields.remove("type");
    match fields.remove("password") {
        Some(Value::String(h)) if !h.is_empty() => {
            fields.insert("password_hash".into(), Value::String(h));
        }
        _ => {}
    }
    fields
}

/// Store field ↔ `.security-7` field of an API key (the owner's moved under `creator`).
const API_KEY_FIELDS: [(&str, &str); 6] = [
    ("creation", "creation_time"),
    ("expiration", "expiration_time"),
    ("invalidated", "api_key_invalidated"),
    ("invalidation", "invalidation_time"),
    ("metadata", "metadata_flattened"),
    ("limited_by", "limited_by_role_names"),
];
/// Store field ↔ field of an API key's `creator`.
const CREATOR_FIELDS: [(&str, &str); 5] = [
    ("username", "principal"),
    ("full_name", "full_name"),
    ("email", "email"),
    ("realm", "realm"),
    ("realm_type", "realm_type"),
];

fn api_key_to_index(mut fields: Map<String, Value>) -> Value {
    fields.remove("id");
    let mut out = Map::new();
    out.insert("doc_type".into(), json!("api_key"));
    for (ours, theirs) in API_KEY_FIELDS {
        if let Some(v) = fields.remove(ours) {
            out.insert(theirs.into(), v);
        }
    }
    let mut creator = Map::new();
    for (ours, theirs) in CREATOR_FIELDS {
        if let Some(v) = fields.remove(ours) {
            creator.insert(theirs.into(), v);
        }
    }
    creator.insert("metadata".into(), json!({}));
    out.insert("creator".into(), Value::Object(creator));
    out.insert("type".into(), json!("rest"));
    // Everything else (`name`, `api_key_hash`, the role descriptors) has the same name.
    out.extend(fields);
    Value::Object(out)
}

fn api_key_from_index(id: &str, mut fields: Map<String, Value>) -> Map<String, Value> {
    fields.remove("doc_type");
    fields.remove("type");
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    for (ours, theirs) in API_KEY_FIELDS {
        if let Some(v) = fields.remove(theirs) {
            out.insert(ours.into(), v);
        }
    }
    if let Some(Value::Object(mut creator)) = fields.remove("creator") {
        for (ours, theirs) in CREATOR_FIELDS {
            if let Some(v) = creator.remove(theirs) {
                out.insert(ours.into(), v);
            }
        }
    }
    out.extend(fields);
    out
}

/// Which API keys a `_query/api_key` caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiKeyScope {
    /// Every key (`manage_api_key`, `read_security` and above).
    All,
    /// The keys of one owner (`manage_own_api_key`).
    Owner {
        /// User name.
        username: String,
        /// Realm name.
        realm: String,
    },
    /// Only this key (a key-authenticated caller without those privileges).
    Key(String),
}

/// The `.security-7` field of a `_query/api_key` field (Elasticsearch's
/// `ApiKeyFieldNameTranslators`); `_id` for the key id.
fn api_key_index_field(path: &str) -> String {
    if let Some(rest) = path.strip_prefix("metadata.") {
        return format!("metadata_flattened.{rest}");
    }
    let translated = match path {
        "id" => "_id",
        "creation" => "creation_time",
        "expiration" => "expiration_time",
        "invalidated" => "api_key_invalidated",
        "invalidation" => "invalidation_time",
        "username" => "creator.principal",
        "realm" => "creator.realm",
        other => other,
    };
    translated.to_string()
}

fn term_value(field: &Field, value: &Value) -> Value {
    match (field.kind, value) {
        // Dates are normalised to epoch milliseconds; say so, whatever the field's format.
        (FieldKind::Date, Value::Number(_)) => json!({"value": value, "format": "epoch_millis"}),
        _ => json!({"value": value}),
    }
}

fn translate(query: &Query) -> Value {
    match query {
        Query::MatchAll => json!({"match_all": {}}),
        Query::Bool {
            must,
            filter,
            should,
            must_not,
            minimum_should_match,
        } => {
            let all = |qs: &[Query]| Value::Array(qs.iter().map(translate).collect());
            json!({"bool": {
                "must": all(must), "filter": all(filter), "should": all(should),
                "must_not": all(must_not), "minimum_should_match": minimum_should_match,
            }})
        }
        Query::Ids(ids) => json!({"ids": {"values": ids}}),
        Query::Terms {
            field,
            values,
            case_insensitive,
        } => {
            let path = api_key_index_field(&field.path);
            if path == "_id" {
                return json!({"ids": {"values": values}});
            }
            let terms: Vec<Value> = values
                .iter()
                .map(|v| {
                    let mut t = term_value(field, v);
                    if *case_insensitive {
                        t["case_insensitive"] = Value::Bool(true);
                    }
                    if let Some(format) = t.as_object_mut().and_then(|m| m.remove("format")) {
                        // `term` has no `format`: a date term is a one-instant range.
                        return json!({"range": {&path: {"gte": t["value"], "lte": t["value"], "format": format}}});
                    }
                    json!({"term": {&path: t}})
                })
                .collect();
            json!({"bool": {"should": terms, "minimum_should_match": 1}})
        }
        Query::Match { field, words, all } => {
            if words.is_empty() {
                return json!({"match_none": {}});
            }
            let path = api_key_index_field(&field.path);
            let terms: Vec<Value> = words
                .iter()
                .map(|w| json!({"term": {&path: {"value": w}}}))
                .collect();
            if *all {
                json!({"bool": {"filter": terms}})
            } else {
                json!({"bool": {"should": terms, "minimum_should_match": 1}})
            }
        }
        Query::Prefix {
            field,
            value,
            case_insensitive,
        } => json!({"prefix": {api_key_index_field(&field.path): {
            "value": value, "case_insensitive": case_insensitive,
        }}}),
        Query::Wildcard {
            field,
            pattern,
            case_insensitive,
        } => json!({"wildcard": {api_key_index_field(&field.path): {
            "value": pattern, "case_insensitive": case_insensitive,
        }}}),
        Query::Exists { field } => {
            let path = api_key_index_field(&field.path);
            if path == "_id" {
                json!({"match_all": {}})
            } else {
                json!({"exists": {"field": path}})
            }
        }
        Query::Range {
            field,
            lower,
            upper,
        } => {
            let mut range = Map::new();
            if let Some((v, inclusive)) = lower {
                range.insert(if *inclusive { "gte" } else { "gt" }.into(), v.clone());
            }
            if let Some((v, inclusive)) = upper {
                range.insert(if *inclusive { "lte" } else { "lt" }.into(), v.clone());
            }
            if field.kind == FieldKind::Date {
                range.insert("format".into(), json!("epoch_millis"));
            }
            json!({"range": {api_key_index_field(&field.path): range}})
        }
    }
}

/// The `_search` body over `.security-7` that answers a `_query/api_key` request, as
/// Elasticsearch builds it: API key documents only, those `scope` lets the caller see, the
/// request's query with its field names translated; the request's sort (or creation order).
pub fn api_key_search_body(request: &SearchRequest, scope: &ApiKeyScope) -> Value {
    let mut filter = vec![
        json!({"term": {"doc_type": "api_key"}}),
        translate(&request.query),
    ];
    match scope {
        ApiKeyScope::All => {}
        ApiKeyScope::Owner { username, realm } => {
            filter.push(json!({"term": {"creator.principal": username}}));
            filter.push(json!({"term": {"creator.realm": realm}}));
        }
        ApiKeyScope::Key(id) => filter.push(json!({"ids": {"values": [id]}})),
    }
    let sort: Vec<Value> = if request.sort.is_empty() {
        vec![json!({"creation_time": "asc"}), json!({"_doc": "asc"})]
    } else {
        request
            .sort
            .iter()
            .map(|s| {
                let order = if s.desc { "desc" } else { "asc" };
                match &s.field {
                    Some(f) => json!({api_key_index_field(&f.path): {"order": order}}),
                    None => json!({"_doc": order}),
                }
            })
            .collect()
    };
    let mut body = json!({
        "query": {"bool": {"filter": filter}},
        "from": request.from,
        "size": request.size,
        "sort": sort,
        "track_total_hits": true,
    });
    if let Some(after) = &request.search_after {
        body["search_after"] = Value::Array(after.clone());
    }
    body
}

#[cfg(test)]
#[path = "security_index_tests.rs"]
mod tests;
