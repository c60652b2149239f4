use std::sync::Arc;

use serde_json::json;

use ironstack_security::security_index::{SECURITY_INDEX, TOKENS_INDEX};
use ironstack_security::{Section, SecurityStore, StoredUser};

use super::*;

fn open_security(data: &std::path::Path) -> (crate::store::NodeStore, SecurityStore) {
    let store = crate::store::open(data, "true").unwrap();
    let indices = SecurityIndices::open(store.service.clone()).unwrap();
    let security = SecurityStore::open_on(data, Arc::new(indices)).unwrap();
    (store, security)
}

#[test]
fn security_documents_live_in_the_security_indices_as_elasticsearch_keeps_them() {
    let data = tempfile::tempdir().unwrap();
    let (store, security) = open_security(data.path());
    let space = store.service.space();
    assert!(space.get(SECURITY_INDEX).is_some() && space.get(".security").is_some());
    assert!(space.get(TOKENS_INDEX).is_some() && space.get(".security-tokens").is_some());

    security
        .put_user("jo", StoredUser::new("$2a$10$h".into(), vec!["r".into()]))
        .unwrap();
    security
        .put_user("elastic", StoredUser::new("$2a$10$e".into(), vec![]))
        .unwrap();
    security
        .put_role("r", json!({"cluster": ["monitor"]}))
        .unwrap();
    security
        .write_docs(
            Section::Tokens,
            vec![(
                "t1".into(),
                json!({"doc_type": "token", "creation_time": 5}),
            )],
            &[],
        )
        .unwrap();
    let backend = store.service.backend();
    let user = backend.get(SECURITY_INDEX, "user-jo").unwrap().unwrap();
    assert_eq!(user.source["username"], "jo");
    assert_eq!(user.source["password"], "$2a$10$h");
    assert_eq!(user.source["type"], "user");
    let reserved = backend
        .get(SECURITY_INDEX, "reserved-user-elastic")
        .unwrap()
        .unwrap();
    assert_eq!(reserved.source["type"], "reserved-user");
    assert!(backend.get(SECURITY_INDEX, "role-r").unwrap().is_some());
    assert!(backend.get(TOKENS_INDEX, "token_t1").unwrap().is_some());

    assert!(security.delete_role("r").unwrap());
    assert!(backend.get(SECURITY_INDEX, "role-r").unwrap().is_none());
    drop(security);
    drop(store);

    let (_store, again) = open_security(data.path());
    assert_eq!(again.user("jo").unwrap().roles, vec!["r".to_string()]);
    assert_eq!(
        again.user("elastic").unwrap().password_hash.as_deref(),
        Some("$2a$10$e")
    );
    assert!(again.role("r").is_none());
    assert!(again.doc(Section::Tokens, "t1").is_some());
}

#[test]
fn more_documents_than_a_page_are_all_read_back() {
    let data = tempfile::tempdir().unwrap();
    let (store, security) = open_security(data.path());
    let keys: Vec<(String, serde_json::Value)> = (0..LOAD_PAGE + 7)
        .map(|i| {
            (
                format!("k{i}"),
                json!({"id": format!("k{i}"), "name": "n", "creation": i}),
            )
        })
        .collect();
    security.write_docs(Section::ApiKeys, keys, &[]).unwrap();
    drop(security);
    drop(store);
    let (_store, again) = open_security(data.path());
    assert_eq!(again.api_keys().len(), LOAD_PAGE + 7);
    assert_eq!(again.api_key("k10006").unwrap()["creation"], 10006);
}

#[test]
fn the_first_start_imports_a_store_of_files() {
    let data = tempfile::tempdir().unwrap();
    {
        let files = SecurityStore::open(data.path()).unwrap();
        files
            .put_user("elastic", StoredUser::new("$2a$10$x".into(), vec![]))
            .unwrap();
    }
    assert!(SecurityStore::file_path(data.path()).exists());
    let (store, security) = open_security(data.path());
    assert!(!SecurityStore::file_path(data.path()).exists());
    assert!(security.user("elastic").is_some());
    assert!(
        store
            .service
            .backend()
            .get(SECURITY_INDEX, "reserved-user-elastic")
            .unwrap()
            .is_some()
    );
}
