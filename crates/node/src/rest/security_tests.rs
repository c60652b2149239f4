//! In-process tests of the security REST API: roles, users, passwords, enable/disable,
//! `_has_privileges`, `user/_privileges` and `privilege/_builtin`, with Elasticsearch's shapes
//! and errors.

use super::*;
use ironstack_security::Hasher;

use crate::rest::test_support;

/// A request as `user` with a JSON body.
async fn call(f: &Fixture, method: &str, uri: &str, auth: (&str, &str), body: Value) -> Reply {
    test_support::call(f, method, uri, Some(&basic(auth.0, auth.1)), body).await
}

const ELASTIC: (&str, &str) = ("elastic", PASSWORD);

fn error_of(r: &Reply) -> (String, String) {
    let v = r.json();
    (
        v["error"]["type"].as_str().unwrap_or_default().to_string(),
        v["error"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test]
async fn roles_put_get_delete_with_es_shapes() {
    let f = fixture();
    let role =
        json!({"cluster": ["monitor"], "indices": [{"names": ["logs-*"], "privileges": ["read"]}]});
    let r = call(
        &f,
        "PUT",
        "/_security/role/logs_reader",
        ELASTIC,
        role.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json(), json!({"role": {"created": true}}));
    let r = call(&f, "POST", "/_security/role/logs_reader", ELASTIC, role).await;
    assert_eq!(r.json(), json!({"role": {"created": false}}));

    let r = call(
        &f,
        "GET",
        "/_security/role/logs_reader,superuser,nope",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["logs_reader"]["cluster"], json!(["monitor"]));
    assert_eq!(v["logs_reader"]["indices"][0]["names"], json!(["logs-*"]));
    assert_eq!(
        v["logs_reader"]["indices"][0]["allow_restricted_indices"],
        false
    );
    assert_eq!(
        v["logs_reader"]["transient_metadata"],
        json!({"enabled": true})
    );
    assert_eq!(v["superuser"]["metadata"]["_reserved"], true);
    assert!(v.get("nope").is_none());

    let r = call(&f, "GET", "/_security/role", ELASTIC, Value::Null).await;
    let v = r.json();
    assert!(v.get("logs_reader").is_some() && v.get("kibana_admin").is_some());

    let r = call(&f, "GET", "/_security/role/nope", ELASTIC, Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), json!({}));

    let r = call(
        &f,
        "DELETE",
        "/_security/role/logs_reader",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"found": true}))
    );
    let r = call(
        &f,
        "DELETE",
        "/_security/role/logs_reader",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::NOT_FOUND, json!({"found": false}))
    );
    let r = call(
        &f,
        "DELETE",
        "/_security/role/superuser",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r),
        (
            "illegal_argument_exception".into(),
            "role [superuser] is reserved and cannot be deleted".into()
        )
    );
}

#[tokio::test]
async fn bad_roles_get_es_errors() {
    let f = fixture();
    let r = call(
        &f,
        "PUT",
        "/_security/role/superuser",
        ELASTIC,
        json!({"cluster": ["all"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r),
        (
            "action_request_validation_exception".into(),
            "Validation Failed: 1: Role [superuser] is reserved and may not be used.;".into()
        )
    );
    let r = call(
        &f,
        "PUT",
        "/_security/role/r",
        ELASTIC,
        json!({"cluster": ["nope"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "action_request_validation_exception");
    assert!(error_of(&r).1.contains("[nope]"), "{}", r.text());
    let r = call(&f, "PUT", "/_security/role/r", ELASTIC, json!({"bogus": 1})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "parse_exception");
    let r = call(&f, "PUT", "/_security/role/r", ELASTIC, Value::Null).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r),
        ("parse_exception".into(), "request body is required".into())
    );
    let dls = json!({"indices": [{"names": ["logs-*"], "privileges": ["read"],
        "query": {"terms": {"user": {"index": "users", "id": "1", "path": "p"}}}}]});
    let r = call(&f, "PUT", "/_security/role/r", ELASTIC, dls).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r),
        (
            "parse_exception".into(),
            "failed to parse field 'query' for indices [logs-*] at index privilege [0] of role descriptor".into()
        )
    );
    assert!(
        r.text()
            .contains("terms query with terms lookup isn't supported as part of a role query")
    );
    let r = call(&f, "GET", "/_security/role/r", ELASTIC, Value::Null).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing was stored");
    let req = Request::builder()
        .method("PUT")
        .uri("/_security/role/r")
        .header(header::AUTHORIZATION, basic("elastic", PASSWORD))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let r = send(&f, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r).0, "x_content_parse_exception");
}

#[tokio::test]
async fn users_roles_and_authorization_follow_the_store() {
    let f = fixture();
    let joe = ("joe", "joe-password");
    let r = call(
        &f,
        "PUT",
        "/_security/user/joe",
        ELASTIC,
        json!({"password": joe.1, "roles": ["health"], "full_name": "Joe", "metadata": {"team": "a"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"created": true})),
        "{}",
        r.text()
    );

    // The role does not exist yet: 403 with Elasticsearch's text.
    let r = call(&f, "GET", "/_cluster/health", joe, Value::Null).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_of(&r),
        (
            "security_exception".into(),
            "action [cluster:monitor/health] is unauthorized for user [joe] with effective roles [] (assigned roles [health] were not found), this action is granted by the cluster privileges [monitor,manage,all]".into()
        )
    );
    call(
        &f,
        "PUT",
        "/_security/role/health",
        ELASTIC,
        json!({"cluster": ["monitor"]}),
    )
    .await;
    let r = call(&f, "GET", "/_cluster/health", joe, Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);

    // Without manage_security, role changes are denied.
    let r = call(&f, "PUT", "/_security/role/x", joe, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        error_of(&r).1,
        "action [cluster:admin/xpack/security/role/put] is unauthorized for user [joe] with effective roles [health], this action is granted by the cluster privileges [manage_security,all]"
    );

    let r = call(&f, "GET", "/_security/user/joe", ELASTIC, Value::Null).await;
    assert_eq!(
        r.json(),
        json!({"joe": {"username": "joe", "roles": ["health"], "full_name": "Joe", "email": null, "metadata": {"team": "a"}, "enabled": true}})
    );
    let r = call(&f, "GET", "/_security/user", ELASTIC, Value::Null).await;
    let v = r.json();
    assert_eq!(v["elastic"]["metadata"]["_reserved"], true);
    assert_eq!(
        v["remote_monitoring_user"]["roles"],
        json!(["remote_monitoring_collector", "remote_monitoring_agent"])
    );
    assert_eq!(v["joe"]["username"], "joe");
    let r = call(&f, "GET", "/_security/user/nobody", ELASTIC, Value::Null).await;
    assert_eq!((r.status, r.json()), (StatusCode::NOT_FOUND, json!({})));

    // Updating without a password keeps it.
    let r = call(
        &f,
        "POST",
        "/_security/user/joe",
        ELASTIC,
        json!({"roles": ["health", "monitoring_user"]}),
    )
    .await;
    assert_eq!(r.json(), json!({"created": false}));
    let r = call(&f, "GET", "/_security/_authenticate", joe, Value::Null).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["roles"], json!(["health", "monitoring_user"]));

    // Own password change needs no privilege; the old password stops working.
    let r = call(
        &f,
        "POST",
        "/_security/user/_password",
        joe,
        json!({"password": "new-joe-pw"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({})),
        "{}",
        r.text()
    );
    let r = call(&f, "GET", "/_security/_authenticate", joe, Value::Null).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let joe = ("joe", "new-joe-pw");
    let r = call(
        &f,
        "PUT",
        "/_security/user/joe/_password",
        joe,
        json!({"password": "newer-joe-pw"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let joe = ("joe", "newer-joe-pw");
    // Someone else's password needs manage_security.
    let r = call(
        &f,
        "PUT",
        "/_security/user/elastic/_password",
        joe,
        json!({"password": "hijack-pw"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Disable: 401 on every request; enable again.
    let r = call(
        &f,
        "PUT",
        "/_security/user/joe/_disable",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({})));
    assert_eq!(
        call(&f, "GET", "/_security/_authenticate", joe, Value::Null)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = call(&f, "GET", "/_security/user/joe", ELASTIC, Value::Null).await;
    assert_eq!(r.json()["joe"]["enabled"], false);
    call(
        &f,
        "POST",
        "/_security/user/joe/_enable",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(
        call(&f, "GET", "/_security/_authenticate", joe, Value::Null)
            .await
            .status,
        StatusCode::OK
    );
    let r = call(
        &f,
        "PUT",
        "/_security/user/elastic/_disable",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            "illegal_argument_exception".into(),
            "users may not update the enabled status of their own account".into()
        )
    );

    let r = call(&f, "DELETE", "/_security/user/joe", ELASTIC, Value::Null).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"found": true}))
    );
    assert_eq!(
        call(&f, "GET", "/_security/_authenticate", joe, Value::Null)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = call(&f, "DELETE", "/_security/user/joe", ELASTIC, Value::Null).await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::NOT_FOUND, json!({"found": false}))
    );
}

#[tokio::test]
async fn user_validation_errors_are_es_ones() {
    let f = fixture();
    let cases = [
        (
            "joe",
            json!({"password": "short", "roles": []}),
            "Validation Failed: 1: passwords must be at least [6] characters long;",
        ),
        (
            "joe",
            json!({"roles": []}),
            "Validation Failed: 1: password must be specified unless you are updating an existing user;",
        ),
        (
            "elastic",
            json!({"password": "long-enough", "roles": []}),
            "Validation Failed: 1: user [elastic] is reserved and only the password can be changed;",
        ),
        (
            "joe",
            json!({"password": "long-enough", "password_hash": "$2a$10$x", "roles": []}),
            "Validation Failed: 1: only one of [password, passwordHash] can be provided;",
        ),
    ];
    for (name, body, reason) in cases {
        let r = call(&f, "PUT", &format!("/_security/user/{name}"), ELASTIC, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(
            error_of(&r),
            ("action_request_validation_exception".into(), reason.into())
        );
    }
    let r = call(
        &f,
        "PUT",
        "/_security/user/joe",
        ELASTIC,
        json!({"password_hash": "plain", "roles": []}),
    )
    .await;
    assert_eq!(error_of(&r).0, "illegal_argument_exception");
    let r = call(
        &f,
        "PUT",
        "/_security/user/joe",
        ELASTIC,
        json!({"password": "long-enough", "roles": [], "x": 1}),
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            "parse_exception".into(),
            "failed to parse add user request. unexpected field [x]".into()
        )
    );
    let r = call(
        &f,
        "DELETE",
        "/_security/user/elastic",
        ELASTIC,
        Value::Null,
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            "illegal_argument_exception".into(),
            "user [elastic] is reserved and cannot be deleted".into()
        )
    );
    let r = call(
        &f,
        "POST",
        "/_security/user/ghost/_password",
        ELASTIC,
        json!({"password": "long-enough"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r),
        (
            "validation_exception".to_string(),
            "Validation Failed: 1: user must exist in order to change password;".to_string()
        )
    );

    // A pre-hashed password is accepted and works.
    let hash = Hasher::Bcrypt { cost: 4 }.hash("hashed-pw").unwrap();
    let r = call(
        &f,
        "PUT",
        "/_security/user/hashed",
        ELASTIC,
        json!({"password_hash": hash, "roles": ["superuser"]}),
    )
    .await;
    assert_eq!(r.json(), json!({"created": true}));
    assert_eq!(
        call(&f, "GET", "/", ("hashed", "hashed-pw"), Value::Null)
            .await
            .status,
        StatusCode::OK
    );

    // A reserved user's password goes to the store.
    let r = call(
        &f,
        "POST",
        "/_security/user/beats_system/_password",
        ELASTIC,
        json!({"password": "beats-pw-1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = call(
        &f,
        "GET",
        "/_security/_authenticate",
        ("beats_system", "beats-pw-1"),
        Value::Null,
    )
    .await;
    assert_eq!(r.json()["roles"], json!(["beats_system"]));
}

#[tokio::test]
async fn has_privileges_privileges_and_builtin() {
    let f = fixture();
    call(
        &f,
        "PUT",
        "/_security/role/writer",
        ELASTIC,
        json!({"cluster": ["monitor"], "indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "view_index_metadata"]}]}),
    )
    .await;
    call(
        &f,
        "PUT",
        "/_security/user/w",
        ELASTIC,
        json!({"password": "writer-pw", "roles": ["writer"]}),
    )
    .await;
    let w = ("w", "writer-pw");
    let check = json!({"cluster": ["monitor", "manage"], "index": [{"names": ["metricbeat-1"], "privileges": ["create_doc", "index", "read"]}]});
    for method in ["GET", "POST"] {
        let r = call(
            &f,
            method,
            "/_security/user/_has_privileges",
            w,
            check.clone(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            r.json(),
            json!({
                "username": "w",
                "has_all_requested": false,
                "cluster": {"monitor": true, "manage": false},
                "index": {"metricbeat-1": {"create_doc": true, "index": false, "read": false}},
                "application": {}
            })
        );
    }
    let r = call(
        &f,
        "POST",
        "/_security/user/w/_has_privileges",
        w,
        json!({"cluster": ["monitor"]}),
    )
    .await;
    assert_eq!(r.json()["has_all_requested"], true);
    let r = call(
        &f,
        "POST",
        "/_security/user/elastic/_has_privileges",
        w,
        json!({"cluster": ["monitor"]}),
    )
    .await;
    assert_eq!(
        error_of(&r),
        (
            "illegal_argument_exception".into(),
            "users may only check the privileges of their own account".into()
        )
    );
    let r = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        w,
        json!({"cluster": ["nope"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = call(
        &f,
        "POST",
        "/_security/user/_has_privileges",
        w,
        json!({"bogus": []}),
    )
    .await;
    assert_eq!(error_of(&r).0, "parse_exception");

    let r = call(&f, "GET", "/_security/user/_privileges", w, Value::Null).await;
    let v = r.json();
    assert_eq!(v["cluster"], json!(["monitor"]));
    assert_eq!(v["indices"][0]["names"], json!(["metricbeat-*"]));

    // The builtin list needs a privilege the writer lacks; elastic may read it.
    assert_eq!(
        call(&f, "GET", "/_security/privilege/_builtin", w, Value::Null)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = call(
        &f,
        "GET",
        "/_security/privilege/_builtin",
        ELASTIC,
        Value::Null,
    )
    .await;
    let v = r.json();
    assert!(
        v["cluster"]
            .as_array()
            .unwrap()
            .contains(&json!("manage_security"))
    );
    assert!(
        v["index"]
            .as_array()
            .unwrap()
            .contains(&json!("create_doc"))
    );
}

/// A password change hashes for tens of milliseconds; a `_disable`, `_enable` or user update
/// sent meanwhile must survive it (and it must survive them), whatever the order in which
/// they reach the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_user_changes_lose_nothing() {
    let f = Arc::new(
        Fixture::builder()
            .user("joe", &["viewer"])
            .user("admin", &["superuser"])
            .build(),
    );
    let admin = ("admin", PASSWORD);
    let send = |method: &'static str, uri: &'static str, body: Value| {
        let f = f.clone();
        tokio::spawn(async move { call(&f, method, uri, admin, body).await })
    };
    for round in 0..6 {
        let password = format!("new-password-{round}");
        let change = send(
            "POST",
            "/_security/user/joe/_password",
            json!({ "password": password }),
        );
        // Lands while the password is being hashed.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let enabled = round % 2 == 1;
        let full_name = format!("Joe {round}");
        let (toggle, update) = if round % 3 == 2 {
            let body =
                json!({"roles": ["viewer", "r"], "full_name": full_name, "enabled": enabled});
            (None, Some(send("PUT", "/_security/user/joe", body)))
        } else {
            let uri = if enabled {
                "/_security/user/joe/_enable"
            } else {
                "/_security/user/joe/_disable"
            };
            (Some(send("POST", uri, Value::Null)), None)
        };
        for task in [Some(change), toggle, update].into_iter().flatten() {
            let r = task.await.unwrap();
            assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.text());
        }
        let joe = f.store.user("joe").unwrap();
        assert_eq!(
            joe.enabled, enabled,
            "round {round}: the enabled flag was lost"
        );
        let hash = joe.password_hash.unwrap();
        assert!(
            ironstack_security::hash::verify_password(&password, &hash),
            "round {round}: the password change was lost"
        );
        if round % 3 == 2 {
            assert_eq!(
                joe.full_name.as_deref(),
                Some(full_name.as_str()),
                "round {round}"
            );
            assert_eq!(joe.roles, vec!["viewer", "r"], "round {round}");
        }
    }
}
