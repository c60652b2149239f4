use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::*;
use crate::{Hasher, SecurityStore, StoredUser};

struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<SecurityStore>,
    authenticator: Arc<Authenticator>,
    now: Arc<AtomicU64>,
    service: TokenService,
}

fn fixture(settings: TokenSettings) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SecurityStore::open(dir.path()).unwrap());
    let hash = Hasher::Bcrypt { cost: 4 }.hash("joe-password").unwrap();
    store
        .put_user("joe", StoredUser::new(hash, vec!["viewer".into()]))
        .unwrap();
    let authenticator = Arc::new(Authenticator::new(store.clone(), None));
    let now = Arc::new(AtomicU64::new(crate::api_key::now_ms()));
    let clock_now = now.clone();
    let service = TokenService::with_clock(
        authenticator.clone(),
        settings,
        Arc::new(move || clock_now.load(Ordering::SeqCst)),
    );
    Fixture {
        _dir: dir,
        store,
        authenticator,
        now,
        service,
    }
}

impl Fixture {
    fn joe(&self) -> Arc<Authentication> {
        self.authenticator
            .authenticate("joe", &"joe-password".into())
            .unwrap()
    }
    fn advance(&self, ms: u64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

#[test]
fn a_token_authenticates_its_user_until_it_expires() {
    let f = fixture(TokenSettings::default());
    let issued = f.service.create_token(f.joe(), true).unwrap();
    assert_eq!(issued.expires_in, 1200);
    assert!(issued.refresh_token.is_some());
    let auth = f
        .service
        .authenticate(issued.access_token.expose())
        .unwrap();
    assert_eq!(auth.username, "joe");
    assert_eq!(auth.roles, vec!["viewer".to_string()]);
    assert_eq!(auth.realm, NATIVE_REALM);
    // Served from the cache the second time, same answer.
    assert_eq!(
        f.service
            .authenticate(issued.access_token.expose())
            .unwrap(),
        auth
    );
    f.advance(20 * 60 * 1000 - 1);
    assert!(f.service.authenticate(issued.access_token.expose()).is_ok());
    f.advance(2);
    assert_eq!(
        f.service
            .authenticate(issued.access_token.expose())
            .unwrap_err(),
        TokenError::Expired
    );
    assert_eq!(
        f.service.authenticate("not-a-token").unwrap_err(),
        TokenError::Invalid
    );
}

#[test]
fn only_hashes_are_stored() {
    let f = fixture(TokenSettings::default());
    let issued = f.service.create_token(f.joe(), true).unwrap();
    let file = f.store.files_text();
    assert!(!file.contains(issued.access_token.expose()));
    assert!(!file.contains(issued.refresh_token.as_ref().unwrap().expose()));
    assert!(file.contains(&token_hash(issued.access_token.expose())));
    // And a restart (a new store over the same file) still knows the token.
    let reopened = Arc::new(SecurityStore::open(f._dir.path()).unwrap());
    let service = TokenService::new(
        Arc::new(Authenticator::new(reopened, None)),
        TokenSettings::default(),
    );
    assert_eq!(
        service
            .authenticate(issued.access_token.expose())
            .unwrap()
            .username,
        "joe"
    );
}

#[test]
fn client_credentials_tokens_have_no_refresh_token() {
    let f = fixture(TokenSettings::default());
    let issued = f.service.create_token(f.joe(), false).unwrap();
    assert!(issued.refresh_token.is_none());
    assert!(f.service.authenticate(issued.access_token.expose()).is_ok());
}

#[test]
fn timeout_setting_drives_expires_in_and_expiry() {
    let f = fixture(TokenSettings {
        enabled: true,
        timeout: Duration::from_secs(60),
    });
    let issued = f.service.create_token(f.joe(), true).unwrap();
    assert_eq!(issued.expires_in, 60);
    f.advance(61_000);
    assert_eq!(
        f.service
            .authenticate(issued.access_token.expose())
            .unwrap_err(),
        TokenError::Expired
    );
}

#[test]
fn a_disabled_service_issues_nothing_and_accepts_nothing() {
    let f = fixture(TokenSettings {
        enabled: false,
        timeout: DEFAULT_TIMEOUT,
    });
    assert_eq!(
        f.service.create_token(f.joe(), true).unwrap_err(),
        TokenError::Disabled
    );
    assert_eq!(
        f.service.authenticate("anything").unwrap_err(),
        TokenError::Invalid
    );
    assert_eq!(
        f.service
            .invalidate(&InvalidateTarget::AccessToken("x".into()))
            .unwrap_err(),
        TokenError::Disabled
    );
}

#[test]
fn refresh_is_single_use_with_a_thirty_second_reuse_window() {
    let f = fixture(TokenSettings::default());
    let joe = f.joe();
    let first = f.service.create_token(joe.clone(), true).unwrap();
    let refresh = first.refresh_token.clone().unwrap();
    let second = f
        .service
        .refresh(&refresh, TokenClient::user(&joe))
        .unwrap();
    assert_ne!(second.access_token.expose(), first.access_token.expose());
    assert!(f.service.authenticate(second.access_token.expose()).is_ok());
    // The old access token stays valid until it expires (Elasticsearch does not revoke it).
    assert!(f.service.authenticate(first.access_token.expose()).is_ok());
    // Reuse within 30 s: the very same tokens.
    f.advance(29_000);
    let again = f
        .service
        .refresh(&refresh, TokenClient::user(&joe))
        .unwrap();
    assert_eq!(again.access_token.expose(), second.access_token.expose());
    assert_eq!(
        again.refresh_token.as_ref().unwrap().expose(),
        second.refresh_token.as_ref().unwrap().expose()
    );
    f.advance(2_000);
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&joe))
            .unwrap_err(),
        TokenError::InvalidGrant(
            "token has already been refreshed more than 30 seconds in the past".into()
        )
    );
    // The new refresh token works once more.
    let third = f
        .service
        .refresh(
            second.refresh_token.as_ref().unwrap(),
            TokenClient::user(&joe),
        )
        .unwrap();
    assert!(f.service.authenticate(third.access_token.expose()).is_ok());
}

#[test]
fn refresh_errors_are_elasticsearch_invalid_grants() {
    let f = fixture(TokenSettings::default());
    let joe = f.joe();
    let grant = |s: &str| TokenError::InvalidGrant(s.to_string());
    assert_eq!(
        f.service
            .refresh(&"unknown".into(), TokenClient::user(&joe))
            .unwrap_err(),
        grant("could not refresh the requested token")
    );
    let issued = f.service.create_token(joe.clone(), true).unwrap();
    let refresh = issued.refresh_token.unwrap();
    let mut other = (*joe).clone();
    other.username = "mallory".into();
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&other))
            .unwrap_err(),
        grant("tokens must be refreshed by the creating client")
    );
    f.advance(REFRESH_LIFETIME_MS + 1);
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&joe))
            .unwrap_err(),
        grant("token document has expired")
    );
    let issued = f.service.create_token(joe.clone(), true).unwrap();
    let refresh = issued.refresh_token.unwrap();
    f.service
        .invalidate(&InvalidateTarget::RefreshToken(refresh.clone()))
        .unwrap();
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&joe))
            .unwrap_err(),
        grant("token has been invalidated")
    );
}

#[test]
fn the_refresh_token_belongs_to_the_client_that_obtained_it() {
    let f = fixture(TokenSettings::default());
    let joe = f.joe();
    let mut kibana = (*joe).clone();
    kibana.username = "kibana_system".into();
    kibana.realm = crate::authc::RESERVED_REALM;
    let kibana_client = TokenClient::user(&kibana);
    // kibana_system uses the password grant for joe: the tokens are joe's, the refresh token
    // is kibana_system's.
    let issued = f
        .service
        .create_token_for_client(joe.clone(), kibana_client, true)
        .unwrap();
    let access = f
        .service
        .authenticate(issued.access_token.expose())
        .unwrap();
    assert_eq!(access.username, "joe");
    let refresh = issued.refresh_token.unwrap();
    let denied = TokenError::InvalidGrant("tokens must be refreshed by the creating client".into());
    // Neither joe nor anyone else may refresh it; a same-named user of another realm neither.
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&joe))
            .unwrap_err(),
        denied
    );
    let mut impostor = kibana.clone();
    impostor.realm = crate::authc::NATIVE_REALM;
    assert_eq!(
        f.service
            .refresh(&refresh, TokenClient::user(&impostor))
            .unwrap_err(),
        denied
    );
    // An API key of kibana_system is another client.
    let as_key = TokenClient {
        user: &kibana,
        api_key_id: Some("key-1"),
    };
    assert_eq!(f.service.refresh(&refresh, as_key).unwrap_err(), denied);
    // kibana_system refreshes it: still joe's tokens, and the new refresh token is again
    // kibana_system's.
    let refreshed = f.service.refresh(&refresh, kibana_client).unwrap();
    assert_eq!(refreshed.authentication.username, "joe");
    let next = refreshed.refresh_token.unwrap();
    assert_eq!(
        f.service
            .refresh(&next, TokenClient::user(&joe))
            .unwrap_err(),
        denied
    );
    assert!(f.service.refresh(&next, kibana_client).is_ok());
    // A key's own tokens: only that key refreshes them.
    let keyed = f
        .service
        .create_token_for_client(joe.clone(), as_key, true)
        .unwrap()
        .refresh_token
        .unwrap();
    assert_eq!(
        f.service.refresh(&keyed, kibana_client).unwrap_err(),
        denied
    );
    assert!(f.service.refresh(&keyed, as_key).is_ok());
}

#[test]
fn invalidating_one_token() {
    let f = fixture(TokenSettings::default());
    let issued = f.service.create_token(f.joe(), true).unwrap();
    // Validate once so the cache holds it: invalidation must still win.
    assert!(f.service.authenticate(issued.access_token.expose()).is_ok());
    let target = InvalidateTarget::AccessToken(issued.access_token.clone());
    let r = f.service.invalidate(&target).unwrap();
    assert_eq!((r.invalidated, r.previously_invalidated), (1, 0));
    assert_eq!(
        f.service
            .authenticate(issued.access_token.expose())
            .unwrap_err(),
        TokenError::Expired
    );
    let r = f.service.invalidate(&target).unwrap();
    assert_eq!((r.invalidated, r.previously_invalidated), (0, 1));
    let r = f
        .service
        .invalidate(&InvalidateTarget::AccessToken("nope".into()))
        .unwrap();
    assert!(r.not_found);
    assert_eq!((r.invalidated, r.previously_invalidated), (0, 0));
}

#[test]
fn invalidating_by_user_or_realm_counts_access_and_refresh_tokens() {
    let f = fixture(TokenSettings::default());
    let joe = f.joe();
    let a = f.service.create_token(joe.clone(), true).unwrap();
    let b = f.service.create_token(joe.clone(), false).unwrap();
    let r = f
        .service
        .invalidate(&InvalidateTarget::Owner {
            realm: None,
            username: Some("someone-else".into()),
        })
        .unwrap();
    assert_eq!(r, InvalidationResult::default());
    let r = f
        .service
        .invalidate(&InvalidateTarget::Owner {
            realm: Some("default_native".into()),
            username: Some("joe".into()),
        })
        .unwrap();
    // a: access + refresh, b: access only.
    assert_eq!((r.invalidated, r.previously_invalidated), (3, 0));
    assert!(f.service.authenticate(a.access_token.expose()).is_err());
    assert!(f.service.authenticate(b.access_token.expose()).is_err());
    // Nothing active is left.
    let r = f
        .service
        .invalidate(&InvalidateTarget::Owner {
            realm: Some("default_native".into()),
            username: None,
        })
        .unwrap();
    assert_eq!(r, InvalidationResult::default());
}

#[test]
fn disabled_or_deleted_users_lose_their_tokens() {
    let f = fixture(TokenSettings::default());
    let issued = f.service.create_token(f.joe(), true).unwrap();
    assert!(f.service.authenticate(issued.access_token.expose()).is_ok());
    let mut user = f.store.user("joe").unwrap();
    user.enabled = false;
    f.store.put_user("joe", user.clone()).unwrap();
    assert_eq!(
        f.service
            .authenticate(issued.access_token.expose())
            .unwrap_err(),
        TokenError::Invalid
    );
    user.enabled = true;
    f.store.put_user("joe", user).unwrap();
    assert!(f.service.authenticate(issued.access_token.expose()).is_ok());
    f.store.delete_user("joe").unwrap();
    assert!(
        f.service
            .authenticate(issued.access_token.expose())
            .is_err()
    );
}

#[test]
fn expired_documents_are_removed() {
    let f = fixture(TokenSettings::default());
    f.service.create_token(f.joe(), false).unwrap();
    f.service.create_token(f.joe(), true).unwrap();
    assert_eq!(f.service.remove_expired().unwrap(), 0);
    f.advance(21 * 60 * 1000);
    // The access-only document is dead; the other can still be refreshed.
    assert_eq!(f.service.remove_expired().unwrap(), 1);
    f.advance(REFRESH_LIFETIME_MS);
    assert_eq!(f.service.remove_expired().unwrap(), 1);
    assert!(f.store.docs(Section::Tokens).is_empty());
}

#[test]
fn authentication_round_trips_through_json() {
    let auth = Authentication {
        username: "pki-user".into(),
        roles: vec!["a".into(), "b".into()],
        full_name: Some("P K I".into()),
        email: None,
        metadata: Map::new(),
        realm: RealmRef {
            name: "pki1",
            realm_type: "pki",
        },
    };
    let back = authentication_from_json(&authentication_to_json(&auth)).unwrap();
    assert_eq!(back, auth);
    assert!(authentication_from_json(&json!({"username": "x"})).is_none());
}

#[test]
fn anonymous_user_is_elasticsearch_shaped() {
    let a = anonymous_authentication("_anonymous", &["monitor_only".to_string()]);
    assert_eq!(a.realm.name, "__anonymous");
    assert_eq!(a.realm.realm_type, "__anonymous");
    assert_eq!(a.metadata.get("_reserved"), Some(&Value::Bool(true)));
}
