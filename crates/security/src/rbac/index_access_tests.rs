use serde_json::json;

use crate::rbac::{LimitedRole, Permission, Role, RoleDescriptor};

fn role(body: serde_json::Value) -> Role {
    let d = RoleDescriptor::parse("r", &body).unwrap();
    Role::build(&[d]).unwrap()
}

const SEARCH: &str = "indices:data/read/search";

#[test]
fn groups_without_rules_leave_everything_visible() {
    let r = role(json!({"indices": [{"names": ["logs-*"], "privileges": ["read"]}]}));
    let access = r.index_access(SEARCH, &["logs-1"]);
    assert!(access.is_unrestricted());
    assert!(access.fields.allows("anything"));
}

#[test]
fn queries_are_or_ed_and_a_group_without_one_lifts_dls() {
    let r = role(json!({"indices": [
        {"names": ["logs-*"], "privileges": ["read"], "query": "{\"term\":{\"a\":1}}"},
        {"names": ["logs-1*"], "privileges": ["read"], "query": "{\"term\":{\"b\":2}}"}
    ]}));
    let access = r.index_access(SEARCH, &["logs-1"]);
    assert_eq!(
        access.documents.rule_sets,
        vec![vec![
            "{\"term\":{\"a\":1}}".to_string(),
            "{\"term\":{\"b\":2}}".to_string()
        ]]
    );
    assert_eq!(
        r.index_access(SEARCH, &["logs-2"])
            .documents
            .rule_sets
            .len(),
        1
    );
    let open = role(json!({"indices": [
        {"names": ["logs-*"], "privileges": ["read"], "query": "{\"term\":{\"a\":1}}"},
        {"names": ["*"], "privileges": ["read"]}
    ]}));
    assert!(
        open.index_access(SEARCH, &["logs-1"])
            .documents
            .is_unrestricted()
    );
    // A group that does not grant the action contributes nothing.
    let write_only = role(json!({"indices": [
        {"names": ["logs-*"], "privileges": ["read"], "query": "{\"term\":{\"a\":1}}"},
        {"names": ["*"], "privileges": ["write"]}
    ]}));
    assert!(
        !write_only
            .index_access(SEARCH, &["logs-1"])
            .documents
            .is_unrestricted()
    );
}

#[test]
fn field_security_grants_union_and_excepts() {
    let r = role(json!({"indices": [
        {"names": ["hr"], "privileges": ["read"], "field_security": {"grant": ["name", "address.*"], "except": ["address.secret"]}},
        {"names": ["h*"], "privileges": ["read"], "field_security": {"grant": ["dept"]}}
    ]}));
    let f = r.index_access(SEARCH, &["hr"]).fields;
    assert!(f.allows("name") && f.allows("dept") && f.allows("address.city"));
    assert!(!f.allows("address.secret") && !f.allows("salary"));
    assert!(
        f.allows("_id") && f.allows("_source"),
        "metadata fields stay visible"
    );
    let whole = role(json!({"indices": [
        {"names": ["hr"], "privileges": ["read"], "field_security": {"grant": ["customer"]}}
    ]}))
    .index_access(SEARCH, &["hr"])
    .fields;
    assert!(!whole.allows("customer.handle"));
    assert!(
        whole.allows_in_source("customer.handle"),
        "a granted object shows in _source"
    );
    let empty = role(json!({"indices": [
        {"names": ["hr"], "privileges": ["read"], "field_security": {"grant": []}}
    ]}))
    .index_access(SEARCH, &["hr"])
    .fields;
    assert!(!empty.allows("name") && empty.allows("_index"));
}

#[test]
fn an_api_key_is_limited_by_both_sides() {
    let owner = role(json!({"indices": [
        {"names": ["hr"], "privileges": ["read"], "query": "{\"term\":{\"o\":1}}", "field_security": {"grant": ["a", "b"]}}
    ]}));
    let own = role(json!({"indices": [
        {"names": ["hr"], "privileges": ["read"], "query": "{\"term\":{\"k\":1}}", "field_security": {"grant": ["b", "c"]}}
    ]}));
    let key = LimitedRole {
        assigned: Some(own),
        limited_by: owner,
    };
    let access = key.index_access(SEARCH, &["hr"]);
    assert_eq!(access.documents.rule_sets.len(), 2, "both queries apply");
    assert!(access.fields.allows("b"));
    assert!(!access.fields.allows("a") && !access.fields.allows("c"));
}

#[test]
fn nothing_granted_means_nothing_readable() {
    let r = role(json!({"indices": [{"names": ["other"], "privileges": ["read"]}]}));
    let access = r.index_access(SEARCH, &["hr"]);
    assert!(!access.fields.allows("name"));
    assert_eq!(access.documents.rule_sets, vec![Vec::<String>::new()]);
}
