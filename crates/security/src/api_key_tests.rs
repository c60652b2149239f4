use std::sync::Arc;

use ironstack_types::ActionName;
use serde_json::json;

use super::*;
use crate::authc::NATIVE_REALM;
use crate::{Authenticator, StoredUser};

fn owner(roles: &[&str]) -> Authentication {
    Authentication {
        username: "joe".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        full_name: None,
        email: None,
        metadata: Map::new(),
        realm: NATIVE_REALM,
    }
}

fn setup() -> (tempfile::TempDir, Arc<SecurityStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
    store
        .put_user(
            "joe",
            StoredUser::new("x".into(), vec!["monitor_role".into()]),
        )
        .unwrap();
    store
        .put_role(
            "monitor_role",
            json!({"cluster":["monitor","manage_own_api_key"]}),
        )
        .unwrap();
    (dir, store)
}

#[test]
fn time_values_parse_as_elasticsearch() {
    assert_eq!(parse_time_value("1s"), Ok(1_000));
    assert_eq!(parse_time_value("2d"), Ok(172_800_000));
    assert_eq!(parse_time_value("500ms"), Ok(500));
    assert!(parse_time_value("1y").is_err());
    assert!(parse_time_value("s").is_err());
}

#[test]
fn created_keys_are_hashed_and_authenticate_once_then_from_cache() {
    let (dir, store) = setup();
    let req = CreateApiKey::parse(&json!({"name":"k1","metadata":{"a":1}})).unwrap();
    let created = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    assert_eq!(created.id.len(), 20);
    assert_eq!(created.api_key.expose().len(), 22);
    let text = std::fs::read_to_string(SecurityStore::file_path(dir.path())).unwrap();
    assert!(
        !text.contains(created.api_key.expose()),
        "secret stored in clear"
    );
    assert!(text.contains("{PBKDF2_STRETCH}"), "{text}");
    assert!(!format!("{created:?}").contains(created.api_key.expose()));

    let (id, secret) = parse_api_key_credential(&created.encoded()).unwrap();
    let a = Authenticator::new(store.clone(), None);
    let k = a.authenticate_api_key(&id, &secret).unwrap();
    assert_eq!(k.authentication.username, "joe");
    assert_eq!(k.authentication.realm, API_KEY_REALM);
    let before = a.slow_verifications();
    a.authenticate_api_key(&id, &secret).unwrap();
    assert_eq!(
        a.slow_verifications(),
        before,
        "second call must hit the cache"
    );
    assert_eq!(
        a.authenticate_api_key(&id, &"wrong".into()).unwrap_err(),
        ApiKeyError::InvalidCredentials(id.clone())
    );
    assert_eq!(
        a.authenticate_api_key("nope", &secret)
            .unwrap_err()
            .to_string(),
        "API key: unable to find apikey with id nope"
    );

    let (done, previously) = invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            ids: vec![id.clone()],
            ..ApiKeyFilter::default()
        },
    )
    .unwrap();
    assert_eq!((done, previously.len()), (vec![id.clone()], 0));
    assert_eq!(
        a.authenticate_api_key(&id, &secret).unwrap_err(),
        ApiKeyError::Invalidated(id.clone())
    );
    let (done, previously) = invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            name: Some("k*".into()),
            ..ApiKeyFilter::default()
        },
    )
    .unwrap();
    assert!(done.is_empty());
    assert_eq!(previously, vec![id]);
}

#[test]
fn expired_keys_are_refused() {
    let (_d, store) = setup();
    let req = CreateApiKey::parse(&json!({"name":"short","expiration":"1ms"})).unwrap();
    let created = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let a = Authenticator::new(store, None);
    assert_eq!(
        a.authenticate_api_key(&created.id, &created.api_key)
            .unwrap_err(),
        ApiKeyError::Expired
    );
}

#[test]
fn key_permission_is_the_intersection_with_the_owner() {
    let (_d, store) = setup();
    let health = ActionName("cluster:monitor/health");
    let narrow = CreateApiKey::parse(
        &json!({"name":"n","role_descriptors":{"r":{"cluster":["manage_own_api_key"]}}}),
    )
    .unwrap();
    let wide =
        CreateApiKey::parse(&json!({"name":"w","role_descriptors":{"r":{"cluster":["all"]}}}))
            .unwrap();
    let a = Authenticator::new(store.clone(), None);
    let n = create_api_key(&store, &owner(&["monitor_role"]), narrow).unwrap();
    let w = create_api_key(&store, &owner(&["monitor_role"]), wide).unwrap();
    let nk = a.authenticate_api_key(&n.id, &n.api_key).unwrap();
    let wk = a.authenticate_api_key(&w.id, &w.api_key).unwrap();
    let denied = authorize_api_key(&nk, health, &[]).unwrap_err().to_string();
    assert!(
        denied.starts_with(&format!(
            "action [cluster:monitor/health] is unauthorized for API key id [{}] of user [joe]",
            n.id
        )),
        "{denied}"
    );
    assert!(authorize_api_key(&wk, health, &[]).is_ok());
    // `all` on the key does not exceed the owner's `monitor`.
    assert!(authorize_api_key(&wk, ActionName("cluster:admin/settings/update"), &[]).is_err());
    assert!(
        authorize_api_key(
            &nk,
            ActionName("cluster:admin/xpack/security/user/authenticate"),
            &[]
        )
        .is_ok()
    );
}

#[test]
fn create_requests_are_validated() {
    assert!(CreateApiKey::parse(&json!({})).is_err());
    assert!(CreateApiKey::parse(&json!({"name":"_x"})).is_err());
    assert!(CreateApiKey::parse(&json!({"name":"x","bogus":1})).is_err());
    assert!(CreateApiKey::parse(&json!({"name":"x","expiration":"soon"})).is_err());
    assert!(CreateApiKey::parse(&json!({"name":"x","metadata":{"_r":1}})).is_err());
    assert!(
        CreateApiKey::parse(&json!({"name":"x","role_descriptors":{"r":{"cluster":["nope"]}}}))
            .is_err()
    );
}
