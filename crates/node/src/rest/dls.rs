//! Document-level security on the REST side: the role queries a role (or an API key's role
//! descriptors) may carry, checked when the role is stored as Elasticsearch's
//! `DLSRoleQueryValidator.validateQueryField` checks them. A query must parse as a query and
//! must not be one a role may not hold; templated queries are checked when they are rendered
//! for a request, since they need the user.

use ironstack_security::rbac::RoleDescriptor;
use ironstack_security::role_query::{self, RoleQueryError};
use ironstack_store::query::parse_query_bytes;
use ironstack_types::{EsErrorType, EsException};
use serde_json::Value;

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
