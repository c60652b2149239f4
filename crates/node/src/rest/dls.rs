//! Document- and field-level security on the REST side: the role queries a role (or an API
//! key's role descriptors) may carry, checked when the role is stored as Elasticsearch's
//! `DLSRoleQueryValidator.validateQueryField` checks them (a query must parse as a query and
//! must not be one a role may not hold; templated queries are checked when they are rendered
//! for a request, since they need the user); and what reads do with the gate's
//! [`IndexAccess`]: role queries become a filter, field rules trim `_source`.

use ironstack_security::rbac::{FieldAccess, IndexAccess, RoleDescriptor};
use ironstack_security::role_query::{self, RoleQueryError};
use ironstack_store::query::parse_query_bytes;
use ironstack_store::query::{BoolQuery, Query};
use ironstack_types::{EsErrorType, EsException};
use serde_json::Value;

use super::context::{blocking, documents};
use super::response::ApiError;
use crate::state::AppState;

/// Checks every non-template `query` of `role`'s index groups.
pub(crate) fn validate_role_queries(role: &RoleDescriptor) -> Result<(), Box<EsException>> {
    for (position, group) in role.indices.iter().enumerate() {
        let Some(query) = &group.query else {
            continue;
        };
        if let Err(cause) = check_query(query) {
            return Err(Box::new(
                EsException::new(
                    EsErrorType::Parse,
                    format!(
                        "failed to parse field 'query' for indices [{}] at index privilege [{position}] of role descriptor",
                        group.names.join(",")
                    ),
                )
                .caused_by(*cause.0, cause.1),
            ));
        }
    }
    Ok(())
}

/// The cause of a refused query, and whether Elasticsearch reports it as the root cause.
struct Refusal(Box<EsException>, bool);

fn check_query(query: &str) -> Result<(), Refusal> {
    let value: Value = serde_json::from_str(query).map_err(|e| {
        Refusal(
            Box::new(EsException::new(EsErrorType::XContentParse, e.to_string())),
            true,
        )
    })?;
    let Value::Object(container) = &value else {
        return Err(Refusal(
            Box::new(EsException::new(
                EsErrorType::XContentParse,
                format!(
                    "expected [START_OBJECT] but found [{}] instead",
                    ironstack_security::rbac::json_token_name(&value)
                ),
            )),
            true,
        ));
    };
    if container.keys().next().is_some_and(|k| k == "template") {
        return Ok(());
    }
    role_query::validate(&value).map_err(|e| match e {
        RoleQueryError::Prohibited(reason) | RoleQueryError::Malformed(reason) => {
            Refusal(Box::new(EsException::illegal_argument(reason)), false)
        }
    })?;
    parse_query_bytes(query.as_bytes()).map_err(|e| Refusal(Box::new(e.to_exception()), true))?;
    Ok(())
}

/// The filter a read must add for `access`: each rule set is one `should` group (a document
/// matches one of the set's queries), all sets must hold. `None` when every document is
/// visible. A role query that no longer parses is Elasticsearch's runtime parse failure.
pub(crate) fn role_filter(access: &IndexAccess) -> Result<Option<Query>, ApiError> {
    if access.documents.is_unrestricted() {
        return Ok(None);
    }
    let mut sets = Vec::new();
    for rule_set in &access.documents.rule_sets {
        let mut should = Vec::new();
        for query in rule_set {
            let parsed = parse_query_bytes(query.as_bytes()).map_err(|e| {
                ApiError::from(
                    EsException::new(
                        EsErrorType::Parse,
                        "failed to parse field 'query' from the role descriptor",
                    )
                    .caused_by(e.to_exception(), true),
                )
            })?;
            should.push(parsed);
        }
        sets.push(if should.is_empty() {
            Query::MatchNone
        } else {
            Query::Bool(BoolQuery {
                should,
                minimum_should_match: Some(ironstack_store::query::MinimumShouldMatch("1".into())),
                boost: 1.0,
                ..BoolQuery::default()
            })
        });
    }
    Ok(Some(Query::Bool(BoolQuery {
        filter: sets,
        boost: 1.0,
        ..BoolQuery::default()
    })))
}

/// Whether the document `id` of `index` is one the role queries let the caller see.
pub(crate) async fn document_visible(
    state: &AppState,
    index: &str,
    id: &str,
    access: &IndexAccess,
) -> Result<bool, ApiError> {
    let Some(filter) = role_filter(access)? else {
        return Ok(true);
    };
    let query = Query::Bool(BoolQuery {
        filter: vec![
            Query::Ids {
                values: vec![id.to_string()],
                boost: 1.0,
            },
            filter,
        ],
        boost: 1.0,
        ..BoolQuery::default()
    });
    let store = documents(state)?.clone();
    let indices = vec![index.to_string()];
    // The realtime document may not be searchable yet: refresh this one index first, as
    // Elasticsearch's realtime get with DLS does by reading it through the filter.
    let count = blocking(move || {
        store.backend().refresh(&indices[0])?;
        store
            .backend()
            .count(&indices, &query, &ironstack_store::api::AllFields)
    })
    .await??;
    Ok(count > 0)
}

/// `source` with only the fields `fields` lets the caller see (objects left empty are
/// dropped, as Elasticsearch's filtered `_source` shows them).
pub(crate) fn filter_source_fields(source: &Value, fields: &FieldAccess) -> Value {
    if fields.is_unrestricted() {
        return source.clone();
    }
    filter_value(source, "", fields).unwrap_or_else(|| Value::Object(Default::default()))
}

fn filter_value(value: &Value, path: &str, fields: &FieldAccess) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (key, child) in map {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if let Some(kept) = filter_value(child, &child_path, fields) {
                    out.insert(key.clone(), kept);
                }
            }
            (path.is_empty() || !out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .iter()
                .filter_map(|item| filter_value(item, path, fields))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        leaf => fields.allows_in_source(path).then(|| leaf.clone()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn role(query: Value) -> RoleDescriptor {
        RoleDescriptor::parse(
            "r",
            &json!({"indices": [
                {"names": ["a"], "privileges": ["read"]},
                {"names": ["b", "c"], "privileges": ["read"], "query": query}
            ]}),
        )
        .unwrap()
    }

    #[test]
    fn valid_and_templated_queries_pass() {
        assert!(validate_role_queries(&role(json!({"term": {"x": 1}}))).is_ok());
        assert!(validate_role_queries(&role(json!("{\"match_all\":{}}"))).is_ok());
        let template = json!({"template": {"source": "{\"term\":{\"u\":\"{{_user.username}}\"}}"}});
        assert!(validate_role_queries(&role(template)).is_ok());
    }

    #[test]
    fn refused_queries_carry_elasticsearch_texts() {
        let e = validate_role_queries(&role(
            json!({"has_child": {"type": "t", "query": {"match_all": {}}}}),
        ))
        .unwrap_err();
        let body = e.to_body(false);
        assert_eq!(body["status"], 400);
        assert_eq!(body["error"]["type"], "parse_exception");
        assert_eq!(
            body["error"]["reason"],
            "failed to parse field 'query' for indices [b,c] at index privilege [1] of role descriptor"
        );
        assert_eq!(
            body["error"]["caused_by"]["type"],
            "illegal_argument_exception"
        );
        assert_eq!(
            body["error"]["caused_by"]["reason"],
            "has_child query isn't supported as part of a role query"
        );
        let e = validate_role_queries(&role(json!({"no_such_query": {}}))).unwrap_err();
        let body = e.to_body(false);
        assert_eq!(body["error"]["caused_by"]["type"], "parsing_exception");
        assert_eq!(body["error"]["root_cause"][0]["type"], "parsing_exception");
    }
}
