use std::sync::Arc;

use ironstack_types::ActionName;
use ironstack_types::index_space::IndexSpace;
use serde_json::{Value, json};

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
    let (_dir, store) = setup();
    let req = CreateApiKey::parse(&json!({"name":"k1","metadata":{"a":1}})).unwrap();
    let created = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    assert_eq!(created.id.len(), 20);
    assert_eq!(created.api_key.expose().len(), 22);
    let text = store.files_text();
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

    let out = invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            ids: vec![id.clone()],
            ..ApiKeyFilter::default()
        },
    );
    assert_eq!(
        out.to_json(),
        json!({"invalidated_api_keys":[id],"previously_invalidated_api_keys":[],"error_count":0})
    );
    assert_eq!(
        a.authenticate_api_key(&id, &secret).unwrap_err(),
        ApiKeyError::Invalidated(id.clone())
    );
    let out = invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            name: Some("k*".into()),
            ..ApiKeyFilter::default()
        },
    );
    assert!(out.invalidated.is_empty());
    assert_eq!(out.previously_invalidated, vec![id]);
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
    let denied = authorize_api_key(&nk, &IndexSpace::default(), health, &[])
        .unwrap_err()
        .to_string();
    assert!(
        denied.starts_with(&format!(
            "action [cluster:monitor/health] is unauthorized for API key id [{}] of user [joe]",
            n.id
        )),
        "{denied}"
    );
    assert!(authorize_api_key(&wk, &IndexSpace::default(), health, &[]).is_ok());
    // `all` on the key does not exceed the owner's `monitor`.
    assert!(
        authorize_api_key(
            &wk,
            &IndexSpace::default(),
            ActionName("cluster:admin/settings/update"),
            &[]
        )
        .is_err()
    );
    assert!(
        authorize_api_key(
            &nk,
            &IndexSpace::default(),
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

#[test]
fn keys_keep_the_owner_descriptors_of_creation_time() {
    let (_d, store) = setup();
    let health = ActionName("cluster:monitor/health");
    let req = CreateApiKey::parse(&json!({"name":"snap"})).unwrap();
    let k = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    let stored = stored_api_key(&store, &k.id).unwrap();
    assert_eq!(
        stored.limited_by_role_descriptors["monitor_role"]["cluster"],
        json!(["monitor", "manage_own_api_key"])
    );
    assert!(stored.limited_by.is_empty());
    // Widening the owner's role later does not widen the key ...
    store
        .put_role("monitor_role", json!({"cluster":["all"]}))
        .unwrap();
    let a = Authenticator::new(store.clone(), None);
    let key = a.authenticate_api_key(&k.id, &k.api_key).unwrap();
    assert!(authorize_api_key(&key, &IndexSpace::default(), health, &[]).is_ok());
    assert!(
        authorize_api_key(
            &key,
            &IndexSpace::default(),
            ActionName("cluster:admin/settings/update"),
            &[]
        )
        .is_err(),
        "the owner's new `all` must not reach the key"
    );
    // ... and deleting the role does not narrow it.
    store.delete_role("monitor_role").unwrap();
    let key = a.authenticate_api_key(&k.id, &k.api_key).unwrap();
    assert!(authorize_api_key(&key, &IndexSpace::default(), health, &[]).is_ok());
    // An update takes a new snapshot: the role is gone, so the key can do nothing.
    let out = update_api_keys(
        &store,
        &owner(&["monitor_role"]),
        std::slice::from_ref(&k.id),
        &UpdateApiKey::default(),
    );
    assert_eq!(out.updated, vec![k.id.clone()]);
    let key = a.authenticate_api_key(&k.id, &k.api_key).unwrap();
    assert!(authorize_api_key(&key, &IndexSpace::default(), health, &[]).is_err());
    assert_eq!(
        stored_api_key(&store, &k.id)
            .unwrap()
            .limited_by_role_descriptors,
        Map::new()
    );
}

#[test]
fn legacy_documents_with_role_names_are_read_as_descriptors() {
    let (_d, store) = setup();
    let req = CreateApiKey::parse(&json!({"name":"old"})).unwrap();
    let k = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    // Rewrite the document as the previous version stored it: role names only.
    let mut doc = store.api_key(&k.id).unwrap();
    doc.as_object_mut()
        .unwrap()
        .remove("limited_by_role_descriptors");
    doc["limited_by"] = json!(["monitor_role"]);
    store.put_api_key(&k.id, doc).unwrap();
    let stored = stored_api_key(&store, &k.id).unwrap();
    assert!(stored.limited_by.is_empty());
    assert_eq!(
        stored.limited_by_role_descriptors["monitor_role"]["cluster"],
        json!(["monitor", "manage_own_api_key"])
    );
    let a = Authenticator::new(store.clone(), None);
    let key = a.authenticate_api_key(&k.id, &k.api_key).unwrap();
    assert!(
        authorize_api_key(
            &key,
            &IndexSpace::default(),
            ActionName("cluster:monitor/health"),
            &[]
        )
        .is_ok()
    );
    // A write stores the converted form.
    invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            ids: vec![k.id.clone()],
            ..ApiKeyFilter::default()
        },
    );
    let doc = store.api_key(&k.id).unwrap();
    assert!(doc.get("limited_by").is_none(), "{doc}");
    assert!(doc["limited_by_role_descriptors"]["monitor_role"].is_object());
}

#[test]
fn updates_change_noop_and_fail_per_key() {
    let (_d, store) = setup();
    let joe = owner(&["monitor_role"]);
    let mk = |name: &str| {
        let req = CreateApiKey::parse(&json!({"name": name, "metadata": {"v": 1}})).unwrap();
        create_api_key(&store, &joe, req).unwrap().id
    };
    let (a, b, dead) = (mk("a"), mk("b"), mk("dead"));
    invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            ids: vec![dead.clone()],
            ..ApiKeyFilter::default()
        },
    );
    // Same metadata, same owner roles: nothing to write.
    let same = UpdateApiKey {
        metadata: Some(json!({"v": 1}).as_object().unwrap().clone()),
        ..UpdateApiKey::default()
    };
    let out = update_api_keys(&store, &joe, std::slice::from_ref(&a), &same);
    assert_eq!((out.updated.len(), out.noops.clone()), (0, vec![a.clone()]));
    let change = UpdateApiKey {
        metadata: Some(json!({"v": 2}).as_object().unwrap().clone()),
        role_descriptors: Some(
            json!({"r": {"cluster": ["monitor"]}})
                .as_object()
                .unwrap()
                .clone(),
        ),
        expiration_ms: Some(60_000),
    };
    let ids = vec![a.clone(), b.clone(), dead.clone(), "missing".to_string()];
    let out = update_api_keys(&store, &joe, &ids, &change);
    assert_eq!(out.updated, vec![a.clone(), b.clone()]);
    assert_eq!(
        out.to_json()["errors"],
        json!({"count": 2, "details": {
            dead.as_str(): {"type":"illegal_argument_exception","reason":format!("cannot update invalidated API key [{dead}]")},
            "missing": {"type":"resource_not_found_exception","reason":"no API key owned by requesting user found for ID [missing]"}
        }})
    );
    let stored = stored_api_key(&store, &a).unwrap();
    assert_eq!(stored.metadata["v"], 2);
    assert_eq!(stored.role_descriptors["r"]["cluster"], json!(["monitor"]));
    assert!(stored.expiration.is_some());
    // Someone else's key is "not found" for joe.
    let mut other = owner(&["monitor_role"]);
    other.username = "ann".into();
    let out = update_api_keys(&store, &other, std::slice::from_ref(&a), &same);
    assert_eq!(out.errors[0].1, UpdateKeyError::NotFound(a.clone()));
}

#[test]
fn update_requests_are_validated_as_elasticsearch() {
    let err = |v: Value, bulk| UpdateApiKey::parse(Some(&v), bulk).unwrap_err().to_string();
    assert_eq!(
        err(json!({"role_descriptors": {}}), true),
        "Validation Failed: 1: Field [ids] cannot be empty;"
    );
    assert_eq!(
        err(json!({"ids": ["x"], "metadata": {"_x": 1}}), true),
        "Validation Failed: 1: API key metadata keys may not start with [_];"
    );
    assert_eq!(
        err(json!({"ids": ["x"]}), false),
        "[update_api_key_request_payload] unknown field [ids]"
    );
    assert!(matches!(
        UpdateApiKey::parse(
            Some(&json!({"role_descriptors": {"r": {"cluster": ["nope"]}}})),
            false
        ),
        Err(UpdateRequestError::IllegalArgument(_))
    ));
    let (ids, req) = UpdateApiKey::parse(None, false).unwrap();
    assert!(ids.is_empty() && req == UpdateApiKey::default());
    let (ids, req) =
        UpdateApiKey::parse(Some(&json!({"ids": ["a", "b"], "expiration": "1d"})), true).unwrap();
    assert_eq!(ids, vec!["a", "b"]);
    assert_eq!(req.expiration_ms, Some(86_400_000));
}

#[test]
fn unreadable_documents_count_as_invalidation_errors() {
    let (_d, store) = setup();
    store.put_api_key("broken", json!({"id": 5})).unwrap();
    let out = invalidate_api_keys(
        &store,
        &ApiKeyFilter {
            ids: vec!["broken".into(), "absent".into()],
            ..ApiKeyFilter::default()
        },
    );
    let v = out.to_json();
    assert_eq!(v["error_count"], 1, "{v}");
    assert_eq!(v["error_details"][0]["type"], "exception");
    assert_eq!(
        v["error_details"][0]["reason"],
        "Error invalidating api_key"
    );
    assert_eq!(
        v["error_details"][0]["caused_by"]["type"],
        "illegal_state_exception"
    );
}

#[test]
fn key_privileges_are_the_intersection() {
    let (_d, store) = setup();
    store
        .put_role(
            "monitor_role",
            json!({"cluster":["monitor","manage_own_api_key"],"indices":[{"names":["logs-*"],"privileges":["read","write"]}]}),
        )
        .unwrap();
    let req = CreateApiKey::parse(&json!({"name":"n","role_descriptors":{"r":{"cluster":["all"],"indices":[{"names":["logs-*","other"],"privileges":["read"]}]}}})).unwrap();
    let k = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    let a = Authenticator::new(store.clone(), None);
    let key = a.authenticate_api_key(&k.id, &k.api_key).unwrap();
    let request: HasPrivilegesRequest = serde_json::from_value(json!({
        "cluster": ["monitor", "manage"],
        "index": [{"names": ["logs-1", "other"], "privileges": ["read", "write"]}]
    }))
    .unwrap();
    let v = key_has_privileges(&key, &request, &[]).unwrap();
    assert_eq!(v["username"], "joe");
    assert_eq!(v["has_all_requested"], false);
    assert_eq!(v["cluster"], json!({"monitor": true, "manage": false}));
    assert_eq!(
        v["index"],
        json!({"logs-1": {"read": true, "write": false}, "other": {"read": false, "write": false}})
    );
    assert_eq!(key_user_privileges(&key), Err(KEY_PRIVILEGES_UNSUPPORTED));
    let plain = create_api_key(
        &store,
        &owner(&["monitor_role"]),
        CreateApiKey::parse(&json!({"name":"p"})).unwrap(),
    )
    .unwrap();
    let key = a.authenticate_api_key(&plain.id, &plain.api_key).unwrap();
    let privileges = key_user_privileges(&key).unwrap();
    assert_eq!(
        privileges["cluster"],
        json!(["manage_own_api_key", "monitor"])
    );
}

#[test]
fn get_entries_have_elasticsearch_fields() {
    let (_d, store) = setup();
    let req = CreateApiKey::parse(
        &json!({"name":"g","expiration":"1h","role_descriptors":{"r":{"cluster":["monitor"]}}}),
    )
    .unwrap();
    let k = create_api_key(&store, &owner(&["monitor_role"]), req).unwrap();
    let v = stored_api_key(&store, &k.id).unwrap().to_json(true);
    for field in [
        "id",
        "name",
        "type",
        "creation",
        "expiration",
        "invalidated",
        "username",
        "realm",
        "realm_type",
        "metadata",
        "role_descriptors",
        "limited_by",
    ] {
        assert!(v.get(field).is_some(), "{field} missing in {v}");
    }
    assert_eq!(v["type"], "rest");
    assert_eq!(v["realm_type"], "native");
    assert_eq!(
        v["role_descriptors"]["r"],
        json!({"cluster":["monitor"],"indices":[],"applications":[],"run_as":[],"metadata":{},"transient_metadata":{"enabled":true}})
    );
    assert!(v["limited_by"][0]["monitor_role"].is_object());
    assert!(v.get("api_key_hash").is_none());
    let v = stored_api_key(&store, &k.id).unwrap().to_json(false);
    assert!(v.get("limited_by").is_none());
}
