use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ironstack_types::action;
use ironstack_types::index_space::{IndexSpace, IndicesOptions};
use serde_json::json;

use super::*;
use crate::authc::NATIVE_REALM;
use crate::token::TokenSettings;
use crate::{Hasher, Section, SecurityStore, StoredUser};

const PASSWORD: &str = "test-password-123";

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<SecurityStore>,
    gate: Gate,
}

fn fixture(anonymous: Option<AnonymousSettings>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
    let hash = Hasher::Bcrypt { cost: 4 }.hash(PASSWORD).unwrap();
    for (name, roles) in [
        ("joe", vec!["monitor_only"]),
        ("proxy", vec!["runner"]),
        ("target", vec!["monitor_only"]),
        ("keys", vec!["own_keys"]),
        ("kib", vec!["app_manager"]),
        ("nobody", vec![]),
    ] {
        store
            .put_user(
                name,
                StoredUser::new(hash.clone(), roles.into_iter().map(String::from).collect()),
            )
            .unwrap();
    }
    let mut disabled = StoredUser::new(hash, vec![]);
    disabled.enabled = false;
    store.put_user("disabled", disabled).unwrap();
    store
        .put_role("monitor_only", json!({"cluster": ["monitor"]}))
        .unwrap();
    store
        .put_role(
            "runner",
            json!({"cluster": ["monitor"], "run_as": ["target", "disabled", "ghost"]}),
        )
        .unwrap();
    store
        .put_role("own_keys", json!({"cluster": ["manage_own_api_key"]}))
        .unwrap();
    store
        .put_role(
            "app_manager",
            json!({"global": {"application": {"manage": {"applications": ["kibana-*"]}}}}),
        )
        .unwrap();
    let authenticator = Arc::new(Authenticator::new(store.clone(), None));
    let tokens = Arc::new(TokenService::new(
        authenticator.clone(),
        TokenSettings::default(),
    ));
    let gate = Gate::new(
        authenticator,
        GateSettings {
            tokens,
            anonymous,
            pki_realms: Vec::new(),
            run_as_enabled: true,
        },
    );
    Fixture {
        _dir: dir,
        store,
        gate,
    }
}

fn basic(user: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{PASSWORD}")))
}

fn creds<'a>(
    authorization: Option<&'a str>,
    run_as: Option<&'a str>,
) -> RequestCredentials<'a, Vec<u8>> {
    RequestCredentials {
        authorization: authorization.map(str::as_bytes),
        client_chain: None,
        run_as,
        uri: "/_security/_authenticate",
    }
}

/// Authenticates the whole way, running the slow path inline.
fn authenticate(
    gate: &Gate,
    request: &RequestCredentials<'_, Vec<u8>>,
) -> Result<Authenticated, AuthenticationFailure> {
    match gate.authenticate_fast(request) {
        FastAuthentication::Done(result) => result,
        FastAuthentication::Slow(pending) => gate.authenticate_slow(pending),
    }
}

fn reason(e: &EsException) -> &str {
    &e.reason
}

#[test]
fn basic_credentials_take_the_slow_path_once_then_the_fast_one() {
    let f = fixture(None);
    let header = basic("joe");
    assert!(matches!(
        f.gate.authenticate_fast(&creds(Some(&header), None)),
        FastAuthentication::Slow(_)
    ));
    let auth = authenticate(&f.gate, &creds(Some(&header), None)).unwrap();
    assert_eq!(auth.user().username, "joe");
    assert_eq!(auth.kind(), AuthKind::Realm);
    assert!(matches!(
        f.gate.authenticate_fast(&creds(Some(&header), None)),
        FastAuthentication::Done(Ok(_))
    ));
}

#[test]
fn failures_carry_elasticsearch_texts_and_challenges() {
    let f = fixture(None);
    let missing = authenticate(&f.gate, &creds(None, None)).unwrap_err();
    assert!(missing.no_credentials);
    assert_eq!(
        reason(&missing.exception),
        "missing authentication credentials for REST request [/_security/_authenticate]"
    );
    assert_eq!(missing.exception.status, 401);
    assert_eq!(
        missing.exception.headers["WWW-Authenticate"],
        vec![
            "Basic realm=\"security\", charset=\"UTF-8\"",
            "Bearer realm=\"security\"",
            "ApiKey"
        ]
    );
    let wrong = format!("Basic {}", STANDARD.encode("joe:wrong-password"));
    let e = authenticate(&f.gate, &creds(Some(&wrong), None)).unwrap_err();
    assert!(!e.no_credentials);
    assert_eq!(
        reason(&e.exception),
        "unable to authenticate user [joe] for REST request [/_security/_authenticate]"
    );
    for header in ["Basic !!!", "Digest abc", "ApiKey bm90LWEta2V5"] {
        let e = authenticate(&f.gate, &creds(Some(header), None)).unwrap_err();
        assert_eq!(reason(&e.exception), NOT_AUTHENTICATED, "{header}");
    }
    let e = authenticate(&f.gate, &creds(Some("Bearer nope"), None)).unwrap_err();
    assert_eq!(
        e.exception.metadata["additional_unsuccessful_credentials"],
        json!("oauth2 token: invalid token")
    );
}

#[test]
fn anonymous_applies_only_without_usable_credentials() {
    let f = fixture(Some(AnonymousSettings {
        username: "anon".into(),
        roles: vec!["monitor_only".into()],
        authz_exception: false,
    }));
    let anon = authenticate(&f.gate, &creds(None, None)).unwrap();
    assert_eq!(anon.kind(), AuthKind::Anonymous);
    assert_eq!(anon.user().username, "anon");
    // An unknown scheme counts as no credentials; wrong Basic credentials do not.
    assert!(authenticate(&f.gate, &creds(Some("Digest x"), None)).is_ok());
    let wrong = format!("Basic {}", STANDARD.encode("joe:wrong-password"));
    assert!(authenticate(&f.gate, &creds(Some(&wrong), None)).is_err());
    // Users get the anonymous roles too.
    let joe = authenticate(&f.gate, &creds(Some(&basic("nobody")), None)).unwrap();
    assert_eq!(joe.user().roles, vec!["monitor_only".to_string()]);
    // A denied anonymous request asks for credentials (authz_exception: false).
    let denied = f
        .gate
        .authorize(&anon, SecuredRequest::action(action::USER_GET))
        .unwrap_err();
    assert_eq!(denied.exception.status, 401);
    assert_eq!(
        reason(&denied.exception),
        "action [cluster:admin/xpack/security/user/get] requires authentication"
    );
    // The anonymous user cannot run as anyone: the header is ignored.
    let anon = authenticate(&f.gate, &creds(None, Some("target"))).unwrap();
    assert!(!anon.is_run_as());
}

#[test]
fn run_as_acts_with_the_targets_roles_and_reports_both_realms() {
    let f = fixture(None);
    let header = basic("proxy");
    let auth = authenticate(&f.gate, &creds(Some(&header), Some("target"))).unwrap();
    assert!(auth.is_run_as());
    assert_eq!(auth.user().username, "target");
    assert_eq!(auth.authenticating_user().username, "proxy");
    let granted = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::CLUSTER_HEALTH))
        .unwrap();
    assert_eq!(granted.user().username, "target");
    let body = auth.to_json();
    assert_eq!(body["username"], "target");
    assert_eq!(body["roles"], json!(["monitor_only"]));
    assert_eq!(body["authentication_realm"]["name"], "default_native");
    assert_eq!(body["lookup_realm"]["name"], "default_native");
    // The target's roles decide, not the caller's.
    let denied = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::USER_GET))
        .unwrap_err();
    assert_eq!(
        reason(&denied.exception),
        "action [cluster:admin/xpack/security/user/get] is unauthorized for user [proxy] run as [target] with effective roles [monitor_only], this action is granted by the cluster privileges [read_security,manage_security,all]"
    );
    assert_eq!(denied.stage, DeniedAt::Action);
    // Reserved users can be run as, and come from the reserved realm.
    f.store
        .put_role("runner", json!({"cluster": ["monitor"], "run_as": ["*"]}))
        .unwrap();
    let auth = authenticate(&f.gate, &creds(Some(&header), Some("kibana_system"))).unwrap();
    assert_eq!(auth.to_json()["lookup_realm"]["name"], "reserved");
    assert_eq!(auth.to_json()["roles"], json!(["kibana_system"]));
}

#[test]
fn run_as_without_the_privilege_or_to_nobody_is_denied_alike() {
    let f = fixture(None);
    let joe = basic("joe");
    let auth = authenticate(&f.gate, &creds(Some(&joe), Some("target"))).unwrap();
    let denied = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::MAIN))
        .unwrap_err();
    assert_eq!(denied.stage, DeniedAt::RunAs);
    assert_eq!(denied.exception.status, 403);
    assert_eq!(
        reason(&denied.exception),
        "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [monitor_only], because user [joe] is unauthorized to run as [target]"
    );
    // A target that does not exist: the same denial, even with the privilege to run as it.
    let proxy = basic("proxy");
    let auth = authenticate(&f.gate, &creds(Some(&proxy), Some("ghost"))).unwrap();
    let denied = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::MAIN))
        .unwrap_err();
    assert_eq!(denied.stage, DeniedAt::RunAs);
    assert!(
        reason(&denied.exception)
            .ends_with("because user [proxy] is unauthorized to run as [ghost]"),
        "{}",
        reason(&denied.exception)
    );
    // An empty header fails authentication; a disabled target too.
    let e = authenticate(&f.gate, &creds(Some(&proxy), Some(""))).unwrap_err();
    assert!(e.run_as_denied);
    assert_eq!(e.exception.status, 401);
    let e = authenticate(&f.gate, &creds(Some(&proxy), Some("disabled"))).unwrap_err();
    assert_eq!(
        reason(&e.exception),
        "unable to authenticate user [proxy] for REST request [/_security/_authenticate]"
    );
}

#[test]
fn own_api_keys_are_the_most_manage_own_api_key_reaches() {
    let f = fixture(None);
    let auth = authenticate(&f.gate, &creds(Some(&basic("keys")), None)).unwrap();
    let select = |selection: ApiKeySelection| SecuredRequest {
        action: action::API_KEY_GET,
        indices: Vec::new(),
        expression: None,
        target: Target::ApiKeys(selection),
    };
    let owned = f
        .gate
        .authorize(
            &auth,
            select(ApiKeySelection {
                owner: true,
                ..ApiKeySelection::default()
            }),
        )
        .unwrap();
    assert!(!owned.manages_any_api_key());
    let filter = owned.api_key_filter();
    assert_eq!(filter.username.as_deref(), Some("keys"));
    assert_eq!(filter.realm_name.as_deref(), Some("default_native"));
    let by_name = ApiKeySelection {
        keys: ApiKeyFilter {
            username: Some("keys".into()),
            realm_name: Some("default_native".into()),
            ..ApiKeyFilter::default()
        },
        ..ApiKeySelection::default()
    };
    assert!(f.gate.authorize(&auth, select(by_name)).is_ok());
    let others = ApiKeySelection {
        keys: ApiKeyFilter {
            username: Some("joe".into()),
            ..ApiKeyFilter::default()
        },
        ..ApiKeySelection::default()
    };
    let denied = f.gate.authorize(&auth, select(others)).unwrap_err();
    assert_eq!(denied.exception.status, 403);
    assert!(
        f.gate
            .authorize(&auth, select(ApiKeySelection::default()))
            .is_err()
    );
    // Creating a key needs only manage_own_api_key.
    assert!(
        f.gate
            .authorize(&auth, SecuredRequest::action(action::API_KEY_CREATE))
            .is_ok()
    );
}

#[test]
fn application_scope_is_checked_on_the_decoded_names() {
    let f = fixture(None);
    let auth = authenticate(&f.gate, &creds(Some(&basic("kib")), None)).unwrap();
    let apps = |names: &[&str]| SecuredRequest {
        action: action::PRIVILEGE_GET,
        indices: Vec::new(),
        expression: None,
        target: Target::Applications(names.iter().map(|n| n.to_string()).collect()),
    };
    let granted = f.gate.authorize(&auth, apps(&["kibana-x"])).unwrap();
    assert_eq!(granted.applications(), ["kibana-x".to_string()]);
    // `kibana-x,*` decoded is two names; `*` is not a kibana-* application.
    assert!(f.gate.authorize(&auth, apps(&["kibana-x", "*"])).is_err());
    assert!(f.gate.authorize(&auth, apps(&[])).is_err());
    assert!(f.gate.authorize(&auth, apps(&["other"])).is_err());
}

#[test]
fn own_account_actions_need_no_privilege() {
    let f = fixture(None);
    let auth = authenticate(&f.gate, &creds(Some(&basic("nobody")), None)).unwrap();
    let change = |who: Option<&str>| SecuredRequest {
        action: action::USER_CHANGE_PASSWORD,
        indices: Vec::new(),
        expression: None,
        target: Target::Account(who.map(str::to_string)),
    };
    assert!(f.gate.authorize(&auth, change(None)).is_ok());
    assert!(f.gate.authorize(&auth, change(Some("nobody"))).is_ok());
    assert!(f.gate.authorize(&auth, change(Some("joe"))).is_err());
    for a in [
        action::AUTHENTICATE,
        action::USER_HAS_PRIVILEGES,
        action::USER_LIST_PRIVILEGES,
    ] {
        assert!(f.gate.authorize(&auth, SecuredRequest::action(a)).is_ok());
    }
    assert!(
        f.gate
            .authorize(&auth, SecuredRequest::action(action::MAIN))
            .is_err()
    );
}

/// A realm user with `roles`, as the gate would have authenticated it.
fn realm_user(roles: &[&str]) -> Authenticated {
    Authenticated {
        user: Arc::new(Authentication {
            username: "joe".into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            full_name: None,
            email: None,
            metadata: serde_json::Map::new(),
            realm: NATIVE_REALM,
        }),
        run_by: None,
        target_found: true,
        api_key: None,
        service_token: None,
        kind: AuthKind::Realm,
    }
}

fn decide(
    gate: &Gate,
    roles: &[&str],
    action: ActionName,
    indices: &[&str],
) -> Result<Authorized, Denied> {
    gate.authorize(
        &realm_user(roles),
        SecuredRequest {
            action,
            indices: indices.iter().map(|i| i.to_string()).collect(),
            expression: None,
            target: Target::None,
        },
    )
}

#[test]
fn reserved_roles_grant_what_elasticsearch_grants() {
    let f = fixture(None);
    assert!(decide(&f.gate, &["superuser"], action::MAIN, &[]).is_ok());
    // monitoring_user holds `cluster:monitor/main` but not the whole of `monitor`.
    assert!(decide(&f.gate, &["monitoring_user"], action::MAIN, &[]).is_ok());
    assert!(decide(&f.gate, &["monitoring_user"], action::CLUSTER_HEALTH, &[]).is_err());
    assert!(
        decide(
            &f.gate,
            &["remote_monitoring_collector"],
            action::CLUSTER_HEALTH,
            &[]
        )
        .is_ok()
    );
    assert!(decide(&f.gate, &["kibana_system"], action::LICENSE_GET, &[]).is_ok());
    let e = decide(&f.gate, &["b_role", "a_role"], action::MAIN, &[]).unwrap_err();
    assert_eq!(
        reason(&e.exception),
        "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [] (assigned roles [a_role,b_role] were not found), this action is granted by the cluster privileges [monitor,manage,all]"
    );
    let e = decide(&f.gate, &["kibana_admin"], action::MAIN, &[]).unwrap_err();
    assert_eq!(
        reason(&e.exception),
        "action [cluster:monitor/main] is unauthorized for user [joe] with effective roles [kibana_admin], this action is granted by the cluster privileges [monitor,manage,all]"
    );
}

#[test]
fn stored_role_changes_take_effect_at_once() {
    let f = fixture(None);
    let e = decide(&f.gate, &["mon"], action::CLUSTER_HEALTH, &[]).unwrap_err();
    assert!(reason(&e.exception).contains("(assigned roles [mon] were not found)"));
    f.store
        .put_role("mon", json!({"cluster": ["monitor"]}))
        .unwrap();
    assert!(decide(&f.gate, &["mon"], action::CLUSTER_HEALTH, &[]).is_ok());
    f.store
        .put_role("mon", json!({"cluster": ["manage_ilm"]}))
        .unwrap();
    let e = decide(&f.gate, &["mon"], action::CLUSTER_HEALTH, &[]).unwrap_err();
    assert!(reason(&e.exception).contains("with effective roles [mon],"));
    f.store.delete_role("mon").unwrap();
    assert!(decide(&f.gate, &["mon"], action::CLUSTER_HEALTH, &[]).is_err());
}

#[test]
fn index_actions_are_checked_on_each_named_index() {
    let f = fixture(None);
    f.store
        .put_role(
            "w",
            json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc"]}]}),
        )
        .unwrap();
    let create = ActionName("indices:data/write/index:op_type/create");
    assert!(decide(&f.gate, &["w"], create, &["metricbeat-1"]).is_ok());
    let e = decide(&f.gate, &["w"], create, &["metricbeat-1", "logs-1"]).unwrap_err();
    assert_eq!(
        reason(&e.exception),
        "action [indices:data/write/index:op_type/create] is unauthorized for user [joe] with effective roles [w] on indices [logs-1], this action is granted by the index privileges [create_doc,create,index,write,all]"
    );
    assert!(decide(&f.gate, &["w"], action::SEARCH, &["metricbeat-1"]).is_err());
}

fn expression(expr: &[&str], options: IndicesOptions) -> IndexExpression {
    use ironstack_types::index_space::IndexAbstraction;
    IndexExpression {
        expressions: expr.iter().map(|e| e.to_string()).collect(),
        options,
        space: Arc::new(IndexSpace::new([
            IndexAbstraction::index("logs-a"),
            IndexAbstraction::index("logs-b"),
            IndexAbstraction::index("secret"),
            IndexAbstraction::data_stream("metrics-x", vec![".ds-metrics-x-1".into()]),
            IndexAbstraction::index(".ds-metrics-x-1")
                .hidden(true)
                .in_data_stream("metrics-x"),
        ])),
    }
}

fn search(f: &Fixture, roles: &[&str], expr: &[&str]) -> Result<Authorized, Denied> {
    f.gate.authorize(
        &realm_user(roles),
        SecuredRequest::on_indices(
            action::SEARCH,
            expression(expr, IndicesOptions::STRICT_EXPAND_OPEN),
        ),
    )
}

#[test]
fn index_expressions_expand_to_what_the_caller_may_read() {
    let f = fixture(None);
    f.store
        .put_role(
            "r",
            json!({"indices": [{"names": ["logs-a", "metrics-*"], "privileges": ["read"]}]}),
        )
        .unwrap();
    f.store
        .put_role("m", json!({"cluster": ["monitor"]}))
        .unwrap();
    let granted = search(&f, &["r"], &["*"]).unwrap();
    assert_eq!(granted.indices(), ["logs-a", "metrics-x"]);
    assert_eq!(granted.request().indices, granted.indices());
    assert!(!granted.reaches_no_index());
    // A backing index is read through its data stream's grant.
    let granted = search(&f, &["r"], &[".ds-metrics-x-1"]).unwrap();
    assert_eq!(granted.indices(), [".ds-metrics-x-1"]);
    // Wildcards that reach nothing authorized run on no index.
    let granted = search(&f, &["r"], &["secret*"]).unwrap();
    assert!(granted.reaches_no_index() && granted.indices().is_empty());
    // An explicit unauthorized name is denied by name.
    let e = search(&f, &["r"], &["logs-a", "secret"]).unwrap_err();
    assert_eq!(e.stage, DeniedAt::Action);
    assert_eq!(
        reason(&e.exception),
        "action [indices:data/read/search] is unauthorized for user [joe] with effective roles [r] on indices [secret], this action is granted by the index privileges [read,all]"
    );
    // No read anywhere: denied before resolution, without names.
    let e = search(&f, &["m"], &["logs-*"]).unwrap_err();
    assert_eq!(
        reason(&e.exception),
        "action [indices:data/read/search] is unauthorized for user [joe] with effective roles [m], this action is granted by the index privileges [read,all]"
    );
    // Nothing reached with allow_no_indices=false is a 404, not an access decision.
    let strict = IndicesOptions {
        allow_no_indices: false,
        ..IndicesOptions::STRICT_EXPAND_OPEN
    };
    let e = f
        .gate
        .authorize(
            &realm_user(&["r"]),
            SecuredRequest::on_indices(action::SEARCH, expression(&["nope-*"], strict)),
        )
        .unwrap_err();
    assert_eq!(e.stage, DeniedAt::IndexExpression);
    assert_eq!(e.exception.status, 404);
    assert_eq!(e.exception.reason, "no such index [nope-*]");
}

#[test]
fn write_items_are_authorized_one_by_one() {
    use crate::rbac::BulkOp;
    let f = fixture(None);
    f.store
        .put_role(
            "writer",
            json!({"indices": [{"names": ["metricbeat-*"], "privileges": ["create_doc", "create_index"]}]}),
        )
        .unwrap();
    let auth = realm_user(&["writer"]);
    let bulk = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::BULK))
        .unwrap();
    let space = expression(&[], IndicesOptions::STRICT_EXPAND_OPEN).space;
    let items = f.gate.write_items(&bulk, space);
    assert!(items.check(BulkOp::Create, "metricbeat-8.0.0").is_ok());
    assert!(items.check_auto_create("metricbeat-8.0.0").is_ok());
    let e = items.check(BulkOp::Index, "metricbeat-8.0.0").unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(
        e.reason,
        "action [indices:data/write/index:op_type/index] is unauthorized for user [joe] with effective roles [writer] on indices [metricbeat-8.0.0], this action is granted by the index privileges [create,index,write,all]"
    );
    let e = items.check(BulkOp::Create, "logs").unwrap_err();
    assert_eq!(
        e.reason,
        "action [indices:data/write/bulk[s]] is unauthorized for user [joe] with effective roles [writer] on indices [logs], this action is granted by the index privileges [create_doc,create,delete,index,write,all]"
    );
    assert!(items.check_auto_create("logs").is_err());
    assert!(items.check(BulkOp::Delete, "metricbeat-1").is_err());
    let open = WriteItemAuthorizer::unrestricted();
    assert!(open.check(BulkOp::Delete, "anything").is_ok());
    assert!(open.check_auto_create("anything").is_ok());
}

#[test]
fn read_access_renders_role_templates_for_the_caller() {
    let f = fixture(None);
    f.store
        .put_role(
            "own_docs",
            json!({"indices": [{
                "names": ["metrics-*"],
                "privileges": ["read"],
                "query": {"template": {"source": {"term": {"owner": "{{_user.username}}"}}}},
                "field_security": {"grant": ["owner", "cpu*"]}
            }]}),
        )
        .unwrap();
    let granted = search(&f, &["own_docs"], &["metrics-*"]).unwrap();
    let space = expression(&[], IndicesOptions::STRICT_EXPAND_OPEN).space;
    // The backing index is read under its data stream's rules.
    let access = f
        .gate
        .read_access(&granted, &space, ".ds-metrics-x-1")
        .unwrap();
    assert_eq!(
        access.documents.rule_sets,
        vec![vec![r#"{"term":{"owner":"joe"}}"#.to_string()]]
    );
    assert!(access.fields.allows("cpu.pct") && !access.fields.allows("memory"));
}

#[test]
fn service_tokens_authenticate_with_the_accounts_fixed_privileges() {
    use crate::service_account::{ServiceToken, token_document};
    let f = fixture(None);
    let token = ServiceToken::generate("elastic/kibana", "kb-token").unwrap();
    let creator = crate::service_account::authentication("elastic");
    f.store
        .transact(|t| {
            t.put(
                Section::ServiceTokens,
                &token.qualified_name(),
                token_document(&token, &creator, 1).unwrap(),
            )
        })
        .unwrap();
    let header = format!("Bearer {}", token.encode().expose());
    assert!(matches!(
        f.gate.authenticate_fast(&creds(Some(&header), None)),
        FastAuthentication::Slow(_)
    ));
    let auth = authenticate(&f.gate, &creds(Some(&header), None)).unwrap();
    let body = auth.to_json();
    assert_eq!(body["username"], "elastic/kibana");
    assert_eq!(body["roles"], json!([]));
    assert_eq!(body["full_name"], "Service account - elastic/kibana");
    assert_eq!(body["metadata"], json!({"_elastic_service_account": true}));
    assert_eq!(
        body["token"],
        json!({"name": "kb-token", "type": "_service_account_index"})
    );
    assert_eq!(body["authentication_type"], "token");
    assert_eq!(body["authentication_realm"]["name"], "_service_account");
    // The second request is answered from the cache.
    assert!(matches!(
        f.gate.authenticate_fast(&creds(Some(&header), None)),
        FastAuthentication::Done(Ok(_))
    ));
    // kibana_system's privileges: the licence, not user management.
    assert!(
        f.gate
            .authorize(&auth, SecuredRequest::action(action::LICENSE_GET))
            .is_ok()
    );
    let denied = f
        .gate
        .authorize(&auth, SecuredRequest::action(action::USER_GET))
        .unwrap_err();
    assert!(
        reason(&denied.exception).starts_with(
            "action [cluster:admin/xpack/security/user/get] is unauthorized for service account [elastic/kibana],"
        ),
        "{}",
        reason(&denied.exception)
    );
    // No running as anyone.
    assert!(authenticate(&f.gate, &creds(Some(&header), Some("joe"))).is_err());
    // A wrong secret, an unknown token or account fail as any bad credential.
    for bad in [
        ServiceToken {
            principal: "elastic/kibana".into(),
            name: "kb-token".into(),
            secret: SecureString::new("wrong-secret-wrong-sec"),
        },
        ServiceToken::generate("elastic/kibana", "other").unwrap(),
        ServiceToken::generate("elastic/nobody", "kb-token").unwrap(),
    ] {
        let header = format!("Bearer {}", bad.encode().expose());
        let e = authenticate(&f.gate, &creds(Some(&header), None)).unwrap_err();
        assert_eq!(e.exception.status, 401);
    }
    // Deleting the token refuses it at once, cache or not.
    f.store
        .transact(|t| t.delete(Section::ServiceTokens, &token.qualified_name()))
        .unwrap();
    assert!(authenticate(&f.gate, &creds(Some(&header), None)).is_err());
}

#[test]
fn a_role_named_after_a_service_account_grants_nothing_special() {
    let f = fixture(None);
    // Users may be given any role name; only a verified token gives an account's privileges.
    assert!(decide(&f.gate, &["elastic/kibana"], action::LICENSE_GET, &[]).is_err());
}
