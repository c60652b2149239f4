//! In-process tests through the real router of the service account API and of bearer
//! service tokens.

use axum::http::StatusCode;
use serde_json::json;

use crate::rest::app_privilege::tests::{basic, error_type, fixture};
use crate::rest::test_support::call_json as call;

fn bearer(value: &str) -> String {
    format!("Bearer {value}")
}

#[tokio::test]
async fn accounts_are_listed_with_their_fixed_role_descriptors() {
    let f = fixture();
    let e = basic("elastic");
    let (s, v) = call(&f, "GET", "/_security/service", &e, json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let names: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        names,
        vec![
            "elastic/auto-ops",
            "elastic/fleet-server",
            "elastic/fleet-server-remote",
            "elastic/kibana"
        ]
    );
    let (_, v) = call(
        &f,
        "GET",
        "/_security/service/elastic/kibana",
        &e,
        json!(null),
    )
    .await;
    let kibana = &v["elastic/kibana"]["role_descriptor"];
    assert!(
        kibana["cluster"]
            .as_array()
            .unwrap()
            .contains(&json!("monitor"))
    );
    assert_eq!(v.as_object().unwrap().len(), 1);
    let (s, v) = call(&f, "GET", "/_security/service/nope", &e, json!(null)).await;
    assert_eq!((s, v), (StatusCode::OK, json!({})));
    // read_security may list them; a monitor-only user may not.
    let (s, _) = call(
        &f,
        "GET",
        "/_security/service",
        &basic("auditor"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(
        &f,
        "GET",
        "/_security/service",
        &basic("plain"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
}

#[tokio::test]
async fn tokens_are_created_used_listed_and_deleted() {
    let f = fixture();
    let e = basic("elastic");
    let path = "/_security/service/elastic/kibana/credential/token/kb1";
    let (s, v) = call(&f, "POST", path, &e, json!(null)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["created"], true);
    assert_eq!(v["token"]["name"], "kb1");
    let value = v["token"]["value"].as_str().unwrap().to_string();
    assert!(
        value.starts_with("AAEAAWVsYXN0aWMva2liYW5hL2tiMT"),
        "{value}"
    );
    // The same name again is a conflict.
    let (s, v) = call(&f, "PUT", path, &e, json!(null)).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(error_type(&v), "version_conflict_engine_exception");
    // A generated name.
    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/kibana/credential/token",
        &e,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let generated = v["token"]["name"].as_str().unwrap().to_string();
    assert!(
        generated.starts_with("token_") && generated.len() == 26,
        "{generated}"
    );

    // The token authenticates as the account, with kibana_system's privileges.
    let (s, v) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &bearer(&value),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["username"], "elastic/kibana");
    assert_eq!(
        v["token"],
        json!({"name": "kb1", "type": "_service_account_index"})
    );
    assert_eq!(v["authentication_type"], "token");
    let (s, _) = call(&f, "GET", "/_license", &bearer(&value), json!(null)).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = call(&f, "GET", "/_security/user", &bearer(&value), json!(null)).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("for service account [elastic/kibana]"),
        "{v}"
    );

    let (s, v) = call(
        &f,
        "GET",
        "/_security/service/elastic/kibana/credential",
        &e,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["service_account"], "elastic/kibana");
    assert_eq!(v["count"], 2);
    assert_eq!(v["tokens"]["kb1"], json!({}));
    assert!(v["tokens"].get(&generated).is_some());
    assert_eq!(v["nodes_credentials"]["file_tokens"], json!({}));

    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/kibana/credential/token/*/_clear_cache",
        &e,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["_nodes"]["successful"], 1);

    let (s, v) = call(&f, "DELETE", path, &e, json!(null)).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"found": true})));
    let (s, v) = call(&f, "DELETE", path, &e, json!(null)).await;
    assert_eq!((s, v), (StatusCode::NOT_FOUND, json!({"found": false})));
    // A deleted token no longer authenticates.
    let (s, _) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &bearer(&value),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_names_accounts_and_callers_are_refused() {
    let f = fixture();
    let e = basic("elastic");
    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/kibana/credential/token/_bad",
        &e,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(error_type(&v), "action_request_validation_exception");
    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/nope/credential/token/t",
        &e,
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("[elastic/nope]")
    );
    // manage_security may create tokens; read_security may not.
    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/kibana/credential/token/t",
        &basic("auditor"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = call(
        &f,
        "POST",
        "/_security/service/elastic/kibana/credential/token/t",
        &basic("admin"),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A made-up service token is a 401 like any bad credential.
    let forged = ironstack_security::service_account::ServiceToken::generate("elastic/kibana", "t")
        .unwrap()
        .encode();
    let (s, v) = call(
        &f,
        "GET",
        "/_security/_authenticate",
        &bearer(forged.expose()),
        json!(null),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
}
