use serde_json::json;

use super::*;
use crate::rbac::{HasPrivilegesRequest, Role, RoleDescriptor, has_privileges};
use ironstack_types::EsErrorType;

#[test]
fn application_names_follow_elasticsearch_rules() {
    assert!(validate_application_name("kibana-.kibana", false).is_ok());
    assert!(validate_application_name("myapp", false).is_ok());
    assert!(validate_application_name("app1-prod_x", false).is_ok());
    let e = validate_application_name("ab", false).unwrap_err();
    assert!(e.contains("at least 3 characters"), "{e}");
    let e = validate_application_name("Myapp", false).unwrap_err();
    assert!(e.contains("^[a-z][A-Za-z0-9]*$"), "{e}");
    let e = validate_application_name("my_app", false).unwrap_err();
    assert!(e.contains("prefix must match"), "{e}");
    let e = validate_application_name("app*", false).unwrap_err();
    assert!(e.contains("may not contain '*'"), "{e}");
    assert!(validate_application_name("app*", true).is_ok());
    assert!(validate_application_name("a*", true).is_ok());
    assert!(validate_application_name("*", true).is_ok());
    let e = validate_application_name("a*b", true).unwrap_err();
    assert!(e.contains("trailing wildcards"), "{e}");
    let e = validate_application_name("my app", false).unwrap_err();
    assert!(e.contains("whitespace"), "{e}");
    let e = validate_application_name("myapp-a/b", false).unwrap_err();
    assert!(e.contains("suffix may not contain"), "{e}");
    assert!(validate_application_name("", false).is_err());
}

#[test]
fn put_request_parses_and_validates_every_definition() {
    let body = json!({"myapp": {
        "read": {"actions": ["data:read/*", "action:login"], "metadata": {"description": "r"}},
        "write": {"application": "myapp", "name": "write", "actions": ["data:write/*"]}
    }});
    let parsed = parse_put_request(&body).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[0].name, "read");
    assert_eq!(parsed[0].actions, vec!["data:read/*", "action:login"]);
    assert_eq!(parsed[0].metadata["description"], "r");

    let bad = json!({"My": {"Read": {"actions": ["login"], "metadata": {"_x": 1}}}});
    let e = parse_put_request(&bad).unwrap_err();
    assert_eq!(e.error_type, EsErrorType::ActionRequestValidation);
    assert!(
        e.reason.starts_with("Validation Failed: 1: "),
        "{}",
        e.reason
    );
    assert!(e.reason.contains("Application privilege names must match"));
    assert!(
        e.reason
            .contains("action [login] must contain one of [ '/' , '*' , ':' ]")
    );
    assert!(e.reason.contains("metadata keys may not start with [_]"));

    let e = parse_put_request(&json!({"myapp": {"read": {"actions": ["a:b"], "bogus": 1}}}))
        .unwrap_err();
    assert_eq!(e.error_type, EsErrorType::XContentParse);
    assert!(e.reason.contains("unknown field [bogus]"));

    let e = parse_put_request(
        &json!({"myapp": {"read": {"application": "other", "actions": ["a:b"]}}}),
    )
    .unwrap_err();
    assert_eq!(e.error_type, EsErrorType::IllegalArgument);

    let e = parse_put_request(&json!({"myapp": {"read": {"actions": "a:b", "metadata": 3}}}))
        .unwrap_err();
    assert_eq!(e.error_type, EsErrorType::Parse);

    let e = parse_put_request(&json!({"myapp": {"read": {}}})).unwrap_err();
    assert!(e.reason.contains("at least one action"), "{}", e.reason);
    let e = parse_put_request(&json!({})).unwrap_err();
    assert!(e.reason.contains("At least one application privilege"));
}

#[test]
fn definitions_are_durable_and_filterable() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open(dir.path()).unwrap();
    let privs = parse_put_request(&json!({
        "app01": {"read": {"actions": ["data:read/*"]}, "write": {"actions": ["data:write/*"]}},
        "app02": {"all": {"actions": ["*"]}}
    }))
    .unwrap();
    assert_eq!(
        put_privileges(&store, &privs).unwrap(),
        vec![true, true, true]
    );
    assert_eq!(put_privileges(&store, &privs[..1]).unwrap(), vec![false]);

    // Reopening the store sees the same definitions.
    let store = SecurityStore::open(dir.path()).unwrap();
    assert_eq!(definitions(&store).len(), 3);
    let apps = vec!["app0*".to_string()];
    assert_eq!(get_privileges(&store, Some(&apps), None).len(), 3);
    let apps = vec!["app01".to_string()];
    let names = vec!["write".to_string(), "nope".to_string()];
    let got = get_privileges(&store, Some(&apps), Some(&names));
    assert_eq!(got.len(), 1);
    assert_eq!(
        descriptor_json(&got[0]),
        json!({"application": "app01", "name": "write", "actions": ["data:write/*"], "metadata": {}})
    );
    let found = delete_privileges(&store, "app01", &names).unwrap();
    assert_eq!(found, vec![true, false]);
    assert_eq!(definitions(&store).len(), 2);
}

#[test]
fn stored_definitions_resolve_role_privileges_for_has_privileges() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open(dir.path()).unwrap();
    let privs = parse_put_request(&json!({"kibana-.kibana": {
        "read": {"actions": ["data:read/*", "login:"]},
        "all": {"actions": ["*"]}
    }}))
    .unwrap();
    put_privileges(&store, &privs).unwrap();
    let role = RoleDescriptor::parse(
        "kb",
        &json!({"applications": [{"application": "kibana-.kibana", "privileges": ["read"], "resources": ["space:default"]}]}),
    )
    .unwrap();
    let role = Role::build(&[role]).unwrap();
    let request: HasPrivilegesRequest = serde_json::from_value(json!({"application": [{
        "application": "kibana-.kibana",
        "privileges": ["read", "data:read/dashboards", "all", "data:write/x"],
        "resources": ["space:default", "space:other"]
    }]}))
    .unwrap();
    let answer = has_privileges("joe", &role, &request, &definitions(&store)).unwrap();
    let app = &answer["application"]["kibana-.kibana"];
    assert_eq!(
        app["space:default"],
        json!({"read": true, "data:read/dashboards": true, "all": false, "data:write/x": false})
    );
    assert_eq!(app["space:other"]["read"], false);
    assert_eq!(answer["has_all_requested"], false);
}

#[test]
fn clearing_the_role_cache_recompiles_roles() {
    let dir = tempfile::tempdir().unwrap();
    let store = SecurityStore::open(dir.path()).unwrap();
    store
        .put_role("ops", json!({"cluster": ["monitor"]}))
        .unwrap();
    let names = vec!["ops".to_string()];
    let (first, _) = crate::authz::compiled_role(Some(&store), &names);
    let (again, _) = crate::authz::compiled_role(Some(&store), &names);
    assert!(std::sync::Arc::ptr_eq(&first, &again), "cache hit expected");
    crate::authz::clear_role_cache();
    let (fresh, found) = crate::authz::compiled_role(Some(&store), &names);
    assert!(
        !std::sync::Arc::ptr_eq(&first, &fresh),
        "cleared cache still served"
    );
    assert_eq!(&*found, &["ops".to_string()]);
}

#[test]
fn concurrent_puts_report_each_definition_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(crate::SecurityStore::open(dir.path()).unwrap());
    let body = json!({"myapp": {"read": {"actions": ["data:read/*"]}, "write": {"actions": ["data:write/*"]}}});
    let privileges = parse_put_request(&body).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (store, privileges) = (store.clone(), privileges.clone());
            std::thread::spawn(move || put_privileges(&store, &privileges).unwrap())
        })
        .collect();
    let mut created = [0, 0];
    for t in threads {
        for (i, c) in t.join().unwrap().into_iter().enumerate() {
            created[i] += usize::from(c);
        }
    }
    assert_eq!(created, [1, 1]);
    assert_eq!(definitions(&store).len(), 2);
}
