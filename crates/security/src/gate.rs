//! The one place that decides who a REST request comes from and whether it may do what it
//! asks. The REST layer decodes a request into [`RequestCredentials`] (headers only, before any
//! body is read) and, once authenticated, into a [`SecuredRequest`] (the action, the concrete
//! indices, and what the request targets: an account, applications, API keys); the [`Gate`]
//! answers with an [`Authenticated`] and then an [`Authorized`], or with Elasticsearch's 401 or
//! 403. Handlers receive only an [`Authorized`], which nothing outside this module can build,
//! and take what they serve from it (the API keys a caller may see, the applications it
//! manages), so a handler cannot serve more than was authorized.
//!
//! Elasticsearch's order: a bearer token, then the realm chain (PKI for a request without an
//! `Authorization` header, else reserved → file → native for Basic credentials, or an API
//! key), then the anonymous user when no credentials were sent; then run as
//! (`es-security-runas-user`); every authenticated user (not API keys) also gets the anonymous
//! roles.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ironstack_types::date::Timestamp;
use ironstack_types::index_space::{IndexSpace, IndicesOptions};
use ironstack_types::{ActionName, EsErrorType, EsException, action};
use serde_json::{Value, json};

use crate::api_key::{
    ApiKeyAuthentication, ApiKeyFilter, authorize_api_key, parse_api_key_credential,
};
use crate::authc::{FILE_REALM, NATIVE_REALM, RESERVED_REALM, RealmRef};
use crate::authz::compiled_role_of;
use crate::index_resolver::{SpacePermission, resolve_indices};
use crate::pki_realm::{PkiOutcome, PkiRealm};
use crate::rbac::{
    ClusterContext, Denial, Permission, Subject, Who, authorize_action_name, authorize_cluster,
    authorize_indices, authorize_run_as,
};
use crate::service_account::{ServiceToken, ServiceTokenAuthentication};
use crate::token::{ANONYMOUS_REALM, TokenError, TokenService, anonymous_authentication};
use crate::{Authentication, Authenticator, SecureString};

mod acting;
mod memo;
mod read_access;
mod write_items;

pub use write_items::WriteItemAuthorizer;

/// Elasticsearch's `WWW-Authenticate` challenges when the token service is off, in its order.
const CHALLENGES: &[&str] = &["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"];
/// The same with the token service on (Basic, Bearer, ApiKey).
const CHALLENGES_WITH_BEARER: &[&str] = &[
    "Basic realm=\"security\", charset=\"UTF-8\"",
    "Bearer realm=\"security\"",
    "ApiKey",
];
/// Elasticsearch's reason when sent credentials fail and anonymous access does not apply.
const NOT_AUTHENTICATED: &str = "unable to authenticate with provided credentials and anonymous access is not allowed for this request";
/// Actions every authenticated subject may perform about itself
/// (`RBACEngine.checkSameUserPermissions`).
const SELF_ACTIONS: &[ActionName] = &[
    action::AUTHENTICATE,
    action::USER_HAS_PRIVILEGES,
    action::USER_LIST_PRIVILEGES,
];
/// Bound of the per-authentication cache of "with the anonymous roles" copies.
const WITH_ANONYMOUS_MAX: usize = 10_000;

/// How a request was authenticated (`_authenticate`'s `authentication_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// A realm: Basic credentials or a client certificate.
    Realm,
    /// `Authorization: ApiKey`.
    ApiKey,
    /// `Authorization: Bearer`.
    Token,
    /// No credentials, anonymous access enabled.
    Anonymous,
}

impl AuthKind {
    /// The name `_authenticate` reports.
    pub fn name(self) -> &'static str {
        match self {
            AuthKind::Realm => "realm",
            AuthKind::ApiKey => "api_key",
            AuthKind::Token => "token",
            AuthKind::Anonymous => "anonymous",
        }
    }
}

/// `xpack.security.authc.anonymous.*`.
#[derive(Debug, Clone)]
pub struct AnonymousSettings {
    /// `username`.
    pub username: String,
    /// `roles` (anonymous access is on when there are some).
    pub roles: Vec<String>,
    /// `authz_exception`: a denied anonymous request gets 403 (true) or 401 (false).
    pub authz_exception: bool,
}

/// Everything the gate decides with, besides the realms' own state.
pub struct GateSettings {
    /// The token service (its `enabled` flag is `xpack.security.authc.token.enabled`).
    pub tokens: Arc<TokenService>,
    /// Anonymous access, when configured with roles.
    pub anonymous: Option<AnonymousSettings>,
    /// PKI realms, in their `order`.
    pub pki_realms: Vec<Arc<PkiRealm>>,
    /// `xpack.security.authc.run_as.enabled` (Elasticsearch's default: true).
    pub run_as_enabled: bool,
}

/// The credentials a request carries, read from its headers only.
#[derive(Clone, Copy)]
pub struct RequestCredentials<'a, C: AsRef<[u8]>> {
    /// The `Authorization` header, when there is exactly one (a repeated one is the caller's
    /// 400).
    pub authorization: Option<&'a [u8]>,
    /// The TLS client chain the handshake verified (leaf first, DER).
    pub client_chain: Option<&'a [C]>,
    /// The `es-security-runas-user` header.
    pub run_as: Option<&'a str>,
    /// The request's path and query, as Elasticsearch's 401 texts name it.
    pub uri: &'a str,
}

impl<C: AsRef<[u8]>> fmt::Debug for RequestCredentials<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestCredentials")
            .field("authorization", &self.authorization.map(|_| "[redacted]"))
            .field("client_chain", &self.client_chain.map(<[C]>::len))
            .field("run_as", &self.run_as)
            .field("uri", &self.uri)
            .finish()
    }
}

/// The request's identity: who authenticated, and who it runs as.
#[derive(Clone)]
pub struct Authenticated {
    /// The user the request acts as (the run-as target when there is one).
    user: Arc<Authentication>,
    /// The user who authenticated, when it runs as someone else.
    run_by: Option<Arc<Authentication>>,
    /// Whether a realm found the run-as target (Elasticsearch's `lookedUpBy`); a target that
    /// does not exist is denied at authorization, not at authentication, so that its absence is
    /// not revealed to the caller.
    target_found: bool,
    api_key: Option<Arc<ApiKeyAuthentication>>,
    /// The service token that authenticated the request.
    service_token: Option<Arc<ServiceTokenAuthentication>>,
    kind: AuthKind,
}

impl fmt::Debug for Authenticated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticated")
            .field("user", &self.user.username)
            .field("run_by", &self.run_by.as_ref().map(|a| &a.username))
            .field("api_key", &self.api_key.as_ref().map(|k| &k.id))
            .field("kind", &self.kind)
            .finish()
    }
}

impl Authenticated {
    /// The user the request acts as.
    pub fn user(&self) -> &Arc<Authentication> {
        &self.user
    }
    /// The user who authenticated (the same as [`Self::user`] unless the request runs as
    /// another user).
    pub fn authenticating_user(&self) -> &Arc<Authentication> {
        self.run_by.as_ref().unwrap_or(&self.user)
    }
    /// Whether the request runs as another user.
    pub fn is_run_as(&self) -> bool {
        self.run_by.is_some()
    }
    /// The API key that authenticated the request.
    pub fn api_key(&self) -> Option<&Arc<ApiKeyAuthentication>> {
        self.api_key.as_ref()
    }
    /// How the request was authenticated.
    pub fn kind(&self) -> AuthKind {
        self.kind
    }
    /// The realm that authenticated the request (`_es_api_key` for API keys).
    pub fn authentication_realm(&self) -> RealmRef {
        self.authenticating_user().realm.clone()
    }
    /// The realm the acting user comes from (the run-as lookup realm, else the authentication
    /// realm).
    pub fn lookup_realm(&self) -> RealmRef {
        self.user.realm.clone()
    }

    /// The subject of a 403 text.
    fn subject(&self, found_roles: &[String]) -> Subject {
        if self.service_token.is_some() {
            return Subject {
                who: Who::ServiceAccount(self.user.username.clone()),
                assigned_roles: Vec::new(),
                found_roles: Vec::new(),
            };
        }
        match (&self.api_key, &self.run_by) {
            (Some(key), None) => Subject {
                who: Who::ApiKey {
                    id: key.id.clone(),
                    username: key.authentication.username.clone(),
                },
                assigned_roles: Vec::new(),
                found_roles: Vec::new(),
            },
            (_, run_by) => Subject {
                who: Who::User {
                    username: run_by.as_ref().unwrap_or(&self.user).username.clone(),
                    run_as: run_by.as_ref().map(|_| self.user.username.clone()),
                },
                assigned_roles: self.user.roles.clone(),
                found_roles: found_roles.to_vec(),
            },
        }
    }

    /// `GET /_security/_authenticate`'s body (token responses embed the same object).
    pub fn to_json(&self) -> Value {
        let realm = |r: &RealmRef| json!({"name": r.name, "type": r.realm_type});
        let user = &self.user;
        let (roles, metadata) = match (&self.api_key, &self.run_by) {
            (Some(_), None) => (json!([]), json!({})),
            _ => (json!(user.roles), json!(user.metadata)),
        };
        let mut body = json!({
            "username": user.username,
            "roles": roles,
            "full_name": user.full_name,
            "email": user.email,
            "metadata": metadata,
            "enabled": true,
            "authentication_realm": realm(&self.authentication_realm()),
            "lookup_realm": realm(&self.lookup_realm()),
            "authentication_type": self.kind.name(),
        });
        if let Some(key) = &self.api_key {
            body["api_key"] = json!({"id": key.id, "name": key.name});
        }
        if let Some(token) = &self.service_token {
            body["token"] = json!({"name": token.token_name, "type": token.source.type_name()});
        }
        body
    }
}

/// What a request targets, beyond its action and indices: the part of the request a
/// conditional privilege looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// Nothing beyond the action (and indices).
    #[default]
    None,
    /// A user account named in the path (`/_security/user/{username}/...`); `None` is the
    /// self form (`/_security/user/_password`).
    Account(Option<String>),
    /// The applications a privilege-API request names (empty: all of them).
    Applications(Vec<String>),
    /// The API keys a get or invalidate request selects.
    ApiKeys(ApiKeySelection),
}

/// How a request selects API keys (`GET` and `DELETE /_security/api_key`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApiKeySelection {
    /// `id`/`ids`, `name`, `username` and `realm_name`.
    pub keys: ApiKeyFilter,
    /// `owner`: the caller's own keys.
    pub owner: bool,
    /// `with_limited_by`: the owners' role descriptors too, which a key may see only with
    /// `manage_api_key`, even of itself.
    pub with_limited_by: bool,
}

/// A request as the gate authorizes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuredRequest {
    /// The Elasticsearch action.
    pub action: ActionName,
    /// The index, alias and data stream names the request acts on, each authorized. With an
    /// [`IndexExpression`], the gate fills this with the names the expression reaches.
    pub indices: Vec<String>,
    /// The request's index expression, expanded by the gate to what the caller may use.
    pub expression: Option<IndexExpression>,
    /// What the request targets.
    pub target: Target,
}

impl SecuredRequest {
    /// A request on `action` with no indices and no target.
    pub fn action(action: ActionName) -> Self {
        Self {
            action,
            indices: Vec::new(),
            expression: None,
            target: Target::None,
        }
    }

    /// A request on `action` over an index expression.
    pub fn on_indices(action: ActionName, expression: IndexExpression) -> Self {
        Self {
            expression: Some(expression),
            ..Self::action(action)
        }
    }
}

/// A request's index expression before expansion, and the names it can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexExpression {
    /// The comma-separated parts of the index parameter (empty: every index).
    pub expressions: Vec<String>,
    /// How far wildcards reach and what a missing name means.
    pub options: IndicesOptions,
    /// The node's indices, aliases and data streams when the request arrived.
    pub space: Arc<IndexSpace>,
}

/// How far an authorized API-key request reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyScope {
    /// Keys of any owner (`manage_api_key`, `manage_security`, `all`).
    AnyOwner,
    /// The caller's own keys (`manage_own_api_key`).
    Own,
}

/// A granted request: who, what, and how far the grant reaches. Only the [`Gate`] builds one.
#[derive(Debug, Clone)]
pub struct Authorized {
    authenticated: Authenticated,
    request: SecuredRequest,
    key_scope: KeyScope,
    no_indices: bool,
}

impl Authorized {
    /// The request's identity.
    pub fn authenticated(&self) -> &Authenticated {
        &self.authenticated
    }
    /// The user the request acts as.
    pub fn user(&self) -> &Arc<Authentication> {
        &self.authenticated.user
    }
    /// The API key that authenticated the request.
    pub fn api_key(&self) -> Option<&Arc<ApiKeyAuthentication>> {
        self.authenticated.api_key.as_ref()
    }
    /// The request that was authorized.
    pub fn request(&self) -> &SecuredRequest {
        &self.request
    }
    /// The action that was authorized.
    pub fn action(&self) -> ActionName {
        self.request.action
    }
    /// The index, alias and data stream names the request was authorized on.
    pub fn indices(&self) -> &[String] {
        &self.request.indices
    }
    /// The index expression reached nothing the caller may use and `allow_no_indices` let
    /// the request through: it runs on no index (a search answers with no hits).
    pub fn reaches_no_index(&self) -> bool {
        self.no_indices
    }
    /// The applications a privilege-API request was authorized on (empty: all).
    pub fn applications(&self) -> &[String] {
        match &self.request.target {
            Target::Applications(apps) => apps,
            _ => &[],
        }
    }
    /// The API key whose permission the request acts with: the authenticating key, unless the
    /// request runs as a user (then the user's roles apply).
    fn acting_api_key(&self) -> Option<&Arc<ApiKeyAuthentication>> {
        self.authenticated
            .api_key
            .as_ref()
            .filter(|_| !self.authenticated.is_run_as())
    }

    /// Whether the request may act on keys of any owner.
    pub fn manages_any_api_key(&self) -> bool {
        self.key_scope == KeyScope::AnyOwner
    }

    /// The store filter of the API keys this request was authorized to see or invalidate:
    /// `owner=true` becomes the caller's own keys (a key-authenticated caller: that key).
    pub fn api_key_filter(&self) -> ApiKeyFilter {
        let selection = match &self.request.target {
            Target::ApiKeys(s) => s.clone(),
            _ => ApiKeySelection::default(),
        };
        let mut filter = selection.keys;
        if selection.owner {
            match &self.authenticated.api_key {
                Some(key) => filter.ids = vec![key.id.clone()],
                None => {
                    let user = &self.authenticated.user;
                    filter.username = Some(user.username.clone());
                    filter.realm_name = Some(user.realm.name.to_string());
                }
            }
        }
        filter
    }

    /// An authorization for a node whose security is disabled (`xpack.security.enabled:
    /// false`): every request runs as Elasticsearch's `_anonymous` user with no roles.
    pub fn security_disabled(request: SecuredRequest) -> Result<Self, Denied> {
        let mut request = request;
        // Without security every existing name may be used: the expression still expands.
        let no_indices = match &request.expression {
            Some(expression) => {
                let resolved = resolve_indices(
                    &expression.expressions,
                    &expression.options,
                    &expression.space,
                    |_| true,
                    Timestamp::now(),
                )
                .map_err(|exception| Denied {
                    exception,
                    stage: DeniedAt::IndexExpression,
                })?;
                request.indices = resolved.names;
                resolved.no_indices
            }
            None => false,
        };
        Ok(Self {
            authenticated: Authenticated {
                user: Arc::new(anonymous_authentication("_anonymous", &[])),
                run_by: None,
                target_found: true,
                api_key: None,
                service_token: None,
                kind: AuthKind::Anonymous,
            },
            request,
            key_scope: KeyScope::AnyOwner,
            no_indices,
        })
    }
}

/// Why a request was not authorized.
#[derive(Debug, Clone)]
pub struct Denied {
    /// Elasticsearch's answer: a 403, or a 401 for the anonymous user when
    /// `authz_exception` is false; a 404 or 400 when the index expression could not be
    /// resolved.
    pub exception: Box<EsException>,
    /// Which step refused the request.
    pub stage: DeniedAt,
}

/// The step of authorization that refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeniedAt {
    /// The run-as step (the audit trail's `run_as_denied`).
    RunAs,
    /// The action (the audit trail's `access_denied`).
    Action,
    /// The index expression reached nothing that exists (`index_not_found_exception`) or was
    /// malformed: not an access decision, so no audit event.
    IndexExpression,
}

/// Why a request could not be authenticated.
#[derive(Debug, Clone)]
pub struct AuthenticationFailure {
    /// Elasticsearch's 401 with its challenges.
    pub exception: Box<EsException>,
    /// The request carried no credentials at all (the audit trail's
    /// `anonymous_access_denied`).
    pub no_credentials: bool,
    /// The run-as header was empty (the audit trail's `run_as_denied`).
    pub run_as_denied: bool,
}

/// A request the fast path could not finish: its credentials need a password hash or an API
/// key hash checked (milliseconds of CPU), which the caller runs on a blocking thread through
/// [`Gate::authenticate_slow`].
pub struct SlowAuthentication {
    credential: SlowCredential,
    header: Vec<u8>,
    run_as: Option<String>,
    uri: String,
}

impl fmt::Debug for SlowAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlowAuthentication")
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

enum SlowCredential {
    Basic(String, SecureString),
    ApiKey(String, SecureString),
    ServiceToken(ServiceToken),
}

/// The fast path's answer.
#[derive(Debug)]
pub enum FastAuthentication {
    /// Decided without blocking.
    Done(Result<Authenticated, AuthenticationFailure>),
    /// Needs [`Gate::authenticate_slow`] on a blocking thread.
    Slow(SlowAuthentication),
}

/// The credentials a `POST /_security/api_key/grant` request carries for the key's owner.
pub enum GrantCredentials {
    /// `grant_type: password`.
    Password {
        /// `username`.
        username: String,
        /// `password`.
        password: SecureString,
    },
    /// `grant_type: access_token`.
    AccessToken(SecureString),
}

impl fmt::Debug for GrantCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .finish_non_exhaustive(),
            Self::AccessToken(_) => f.write_str("AccessToken([redacted])"),
        }
    }
}

/// The credentials in an `Authorization` header.
enum Credentials {
    Basic(String, SecureString),
    ApiKey(String, SecureString),
    Bearer(String),
    /// A bearer value that is a service account token (Elasticsearch's wire form).
    ServiceToken(ServiceToken),
    /// A scheme no realm takes: counts as no credentials (anonymous may apply).
    Unknown,
    /// A known scheme whose value cannot be decoded.
    Malformed,
}

fn parse_authorization(value: &[u8]) -> Credentials {
    let Ok(value) = std::str::from_utf8(value) else {
        return Credentials::Malformed;
    };
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        let token = rest.trim();
        return if token.is_empty() {
            Credentials::Unknown
        } else if let Some(service) = ServiceToken::parse(token) {
            Credentials::ServiceToken(service)
        } else {
            Credentials::Bearer(token.to_string())
        };
    }
    if scheme.eq_ignore_ascii_case("apikey") {
        if rest.trim().is_empty() {
            return Credentials::Unknown;
        }
        return parse_api_key_credential(rest).map_or(Credentials::Malformed, |(id, key)| {
            Credentials::ApiKey(id, key)
        });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credentials::Unknown;
    }
    let Ok(decoded) = BASE64.decode(rest.trim()) else {
        return Credentials::Malformed;
    };
    let decoded = zeroize::Zeroizing::new(decoded);
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return Credentials::Malformed;
    };
    match text.split_once(':') {
        Some((user, password)) => Credentials::Basic(user.to_string(), SecureString::new(password)),
        None => Credentials::Malformed,
    }
}

/// `(the realm's authentication, the same with the anonymous roles)`.
type WithAnonymous = (Arc<Authentication>, Arc<Authentication>);

/// Authentication and authorization of REST requests.
pub struct Gate {
    authenticator: Arc<Authenticator>,
    tokens: Arc<TokenService>,
    anonymous: Option<(Arc<Authentication>, bool)>,
    pki_realms: Vec<Arc<PkiRealm>>,
    run_as_enabled: bool,
    /// Authentications with the anonymous roles added, by the realm's `Arc` (whose cached
    /// answers are shared): the per-request cost is a lookup, not a copy. Each entry holds its
    /// key `Arc`, so the address cannot be reused while it is in the map.
    with_anonymous: Mutex<HashMap<usize, WithAnonymous>>,
}

impl fmt::Debug for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gate")
            .field("authenticator", &self.authenticator)
            .field("tokens", &self.tokens.enabled())
            .field("anonymous", &self.anonymous.as_ref().map(|a| &a.0.username))
            .field("pki_realms", &self.pki_realms.len())
            .field("run_as_enabled", &self.run_as_enabled)
            .finish()
    }
}

impl Gate {
    /// A gate over `authenticator` (the reserved, file and native realms and API keys).
    pub fn new(authenticator: Arc<Authenticator>, settings: GateSettings) -> Self {
        let anonymous = settings.anonymous.filter(|a| !a.roles.is_empty()).map(|a| {
            (
                Arc::new(anonymous_authentication(&a.username, &a.roles)),
                a.authz_exception,
            )
        });
        let mut pki_realms = settings.pki_realms;
        pki_realms.sort_by_key(|r| r.order());
        Self {
            authenticator,
            tokens: settings.tokens,
            anonymous,
            pki_realms,
            run_as_enabled: settings.run_as_enabled,
            with_anonymous: Mutex::new(HashMap::new()),
        }
    }

    /// The realms behind the gate.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authenticator
    }
    /// The token service.
    pub fn tokens(&self) -> &Arc<TokenService> {
        &self.tokens
    }
    /// The PKI realms, in order.
    pub fn pki_realms(&self) -> &[Arc<PkiRealm>] {
        &self.pki_realms
    }
    /// The anonymous user, when anonymous access is on.
    pub fn anonymous_user(&self) -> Option<&Arc<Authentication>> {
        self.anonymous.as_ref().map(|(a, _)| a)
    }

    /// The `WWW-Authenticate` challenges of a 401.
    pub fn challenges(&self) -> &'static [&'static str] {
        if self.tokens.enabled() {
            CHALLENGES_WITH_BEARER
        } else {
            CHALLENGES
        }
    }

    /// A 401 with this node's challenges.
    pub fn unauthenticated(&self, reason: impl Into<String>) -> EsException {
        let mut e = EsException::with_status(EsErrorType::Security, 401, reason);
        for challenge in self.challenges() {
            e = e.header("WWW-Authenticate", *challenge);
        }
        e
    }

    fn failure(&self, reason: impl Into<String>) -> AuthenticationFailure {
        AuthenticationFailure {
            exception: Box::new(self.unauthenticated(reason)),
            no_credentials: false,
            run_as_denied: false,
        }
    }

    /// Authenticates a request from its headers without blocking, or says that a password
    /// or API-key hash must be checked first ([`FastAuthentication::Slow`]).
    pub fn authenticate_fast<C: AsRef<[u8]>>(
        &self,
        request: &RequestCredentials<'_, C>,
    ) -> FastAuthentication {
        let epoch = self.memo_epoch();
        if let Some(header) = request.authorization
            && let Some(hit) = memo::lookup(header, epoch)
        {
            return FastAuthentication::Done(self.run_as(hit, request.run_as, request.uri));
        }
        let credentials = request.authorization.map(parse_authorization);
        let authenticated = match credentials {
            Some(Credentials::ServiceToken(service)) => {
                match self
                    .authenticator
                    .authenticate_service_token_cached(&service)
                {
                    Some(t) => Ok(service_token_authenticated(t)),
                    None => {
                        return FastAuthentication::Slow(SlowAuthentication {
                            credential: SlowCredential::ServiceToken(service),
                            header: request.authorization.unwrap_or_default().to_vec(),
                            run_as: request.run_as.map(str::to_string),
                            uri: request.uri.to_string(),
                        });
                    }
                }
            }
            Some(Credentials::Bearer(token)) => match self.tokens.authenticate(&token) {
                Ok(auth) => Ok(Authenticated {
                    user: self.with_anonymous_roles(auth),
                    run_by: None,
                    target_found: true,
                    api_key: None,
                    service_token: None,
                    kind: AuthKind::Token,
                }),
                Err(e) => Err(self.token_failure(&e)),
            },
            Some(Credentials::Basic(user, password)) => {
                match self.authenticator.authenticate_cached(&user, &password) {
                    Some(auth) => Ok(self.realm_authenticated(auth)),
                    None => {
                        return FastAuthentication::Slow(SlowAuthentication {
                            credential: SlowCredential::Basic(user, password),
                            header: request.authorization.unwrap_or_default().to_vec(),
                            run_as: request.run_as.map(str::to_string),
                            uri: request.uri.to_string(),
                        });
                    }
                }
            }
            Some(Credentials::ApiKey(id, key)) => {
                match self.authenticator.authenticate_api_key_cached(&id, &key) {
                    Some(k) => Ok(api_key_authenticated(k)),
                    None => {
                        return FastAuthentication::Slow(SlowAuthentication {
                            credential: SlowCredential::ApiKey(id, key),
                            header: request.authorization.unwrap_or_default().to_vec(),
                            run_as: request.run_as.map(str::to_string),
                            uri: request.uri.to_string(),
                        });
                    }
                }
            }
            Some(Credentials::Malformed) => Err(self.failure(NOT_AUTHENTICATED)),
            Some(Credentials::Unknown) | None => match self.authenticate_certificate(request) {
                Some(result) => result,
                None => return FastAuthentication::Done(self.no_credentials(request)),
            },
        };
        let authenticated = authenticated.inspect(|a| {
            // Only what a realm verified from the header itself is memoized: not tokens (their
            // own expiry and invalidation), certificates or anonymous requests.
            if let (Some(header), AuthKind::Realm | AuthKind::ApiKey) =
                (request.authorization, a.kind)
            {
                memo::remember(header, epoch, a.clone());
            }
        });
        FastAuthentication::Done(
            authenticated.and_then(|a| self.run_as(a, request.run_as, request.uri)),
        )
    }

    /// Finishes what [`Self::authenticate_fast`] could not: checks the password (bcrypt,
    /// PBKDF2) or the API key hash. Blocks for milliseconds: call it off the I/O threads.
    pub fn authenticate_slow(
        &self,
        pending: SlowAuthentication,
    ) -> Result<Authenticated, AuthenticationFailure> {
        let epoch = self.memo_epoch();
        let authenticated = match pending.credential {
            SlowCredential::Basic(user, password) => {
                match self.authenticator.authenticate(&user, &password) {
                    Ok(auth) => self.realm_authenticated(auth),
                    Err(_) => {
                        return Err(self.failure(format!(
                            "unable to authenticate user [{user}] for REST request [{}]",
                            pending.uri
                        )));
                    }
                }
            }
            SlowCredential::ServiceToken(token) => {
                match self.authenticator.authenticate_service_token(&token) {
                    Ok(t) => service_token_authenticated(t),
                    Err(reason) => {
                        tracing::debug!("service token authentication failed: {reason}");
                        return Err(self.failure(NOT_AUTHENTICATED));
                    }
                }
            }
            SlowCredential::ApiKey(id, key) => {
                match self.authenticator.authenticate_api_key(&id, &key) {
                    Ok(k) => api_key_authenticated(k),
                    Err(e) => {
                        let mut failure = self.failure(NOT_AUTHENTICATED);
                        failure.exception = Box::new(
                            failure
                                .exception
                                .meta("additional_unsuccessful_credentials", e.to_string()),
                        );
                        return Err(failure);
                    }
                }
            }
        };
        memo::remember(&pending.header, epoch, authenticated.clone());
        self.run_as(authenticated, pending.run_as.as_deref(), &pending.uri)
    }

    /// The memo's validity stamp: the realms' cache epoch and this gate's identity.
    fn memo_epoch(&self) -> (u64, usize) {
        (
            self.authenticator.cache_epoch(),
            std::ptr::from_ref(self) as usize,
        )
    }

    fn realm_authenticated(&self, auth: Arc<Authentication>) -> Authenticated {
        Authenticated {
            user: self.with_anonymous_roles(auth),
            run_by: None,
            target_found: true,
            api_key: None,
            service_token: None,
            kind: AuthKind::Realm,
        }
    }

    fn token_failure(&self, error: &TokenError) -> AuthenticationFailure {
        match error {
            TokenError::Expired => self.failure("token expired"),
            _ => {
                let mut failure = self.failure(NOT_AUTHENTICATED);
                failure.exception = Box::new(failure.exception.meta(
                    "additional_unsuccessful_credentials",
                    TokenError::Invalid.to_string(),
                ));
                failure
            }
        }
    }

    /// The PKI realms' answer for a request without usable `Authorization` credentials that
    /// presented a verified client certificate; `None` when no PKI realm applies.
    fn authenticate_certificate<C: AsRef<[u8]>>(
        &self,
        request: &RequestCredentials<'_, C>,
    ) -> Option<Result<Authenticated, AuthenticationFailure>> {
        // The reserved realm, first in Elasticsearch's chain, takes any Authorization header.
        if request.authorization.is_some() || self.pki_realms.is_empty() {
            return None;
        }
        let chain = request.client_chain.filter(|c| !c.is_empty())?;
        let mut principal = String::new();
        for realm in &self.pki_realms {
            match realm.authenticate(chain) {
                PkiOutcome::Authenticated(auth) => {
                    return Some(Ok(self.realm_authenticated(auth)));
                }
                PkiOutcome::Unsuccessful { dn, reason } => {
                    tracing::debug!(realm = realm.name(), "PKI authentication failed: {reason}");
                    if principal.is_empty() {
                        principal = dn;
                    }
                }
            }
        }
        Some(Err(self.failure(format!(
            "unable to authenticate user [{principal}] for REST request [{}]",
            request.uri
        ))))
    }

    /// No usable credentials: the anonymous user, or Elasticsearch's 401.
    fn no_credentials<C: AsRef<[u8]>>(
        &self,
        request: &RequestCredentials<'_, C>,
    ) -> Result<Authenticated, AuthenticationFailure> {
        if let Some((anonymous, _)) = &self.anonymous {
            // Elasticsearch does not let an anonymous request run as anyone.
            return Ok(Authenticated {
                user: anonymous.clone(),
                run_by: None,
                target_found: true,
                api_key: None,
                service_token: None,
                kind: AuthKind::Anonymous,
            });
        }
        if request.authorization.is_some() {
            // An unknown scheme: credentials Elasticsearch cannot use.
            return Err(self.failure(NOT_AUTHENTICATED));
        }
        Err(AuthenticationFailure {
            exception: Box::new(self.unauthenticated(format!(
                "missing authentication credentials for REST request [{}]",
                request.uri
            ))),
            no_credentials: true,
            run_as_denied: false,
        })
    }

    /// Elasticsearch gives every authenticated user (not API keys) the anonymous roles too.
    fn with_anonymous_roles(&self, auth: Arc<Authentication>) -> Arc<Authentication> {
        let Some((anonymous, _)) = &self.anonymous else {
            return auth;
        };
        if auth.realm == ANONYMOUS_REALM || anonymous.roles.iter().all(|r| auth.roles.contains(r)) {
            return auth;
        }
        let key = Arc::as_ptr(&auth) as usize;
        let mut cache = self
            .with_anonymous
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((original, with)) = cache.get(&key)
            && Arc::ptr_eq(original, &auth)
        {
            return with.clone();
        }
        let mut with = (*auth).clone();
        for role in &anonymous.roles {
            if !with.roles.contains(role) {
                with.roles.push(role.clone());
            }
        }
        let with = Arc::new(with);
        if cache.len() >= WITH_ANONYMOUS_MAX {
            cache.clear();
        }
        cache.insert(key, (auth, with.clone()));
        with
    }

    /// Applies the `es-security-runas-user` header (Elasticsearch's `maybeLookupRunAsUser`).
    fn run_as(
        &self,
        authenticated: Authenticated,
        run_as: Option<&str>,
        uri: &str,
    ) -> Result<Authenticated, AuthenticationFailure> {
        let Some(target) = run_as else {
            return Ok(authenticated);
        };
        // Anonymous requests cannot run as anyone (`Authentication.supportsRunAs`); the
        // header is ignored for them, as in Elasticsearch.
        if !self.run_as_enabled || authenticated.kind == AuthKind::Anonymous {
            return Ok(authenticated);
        }
        let authenticating = authenticated.user.clone();
        // Service accounts cannot run as anyone (`Authentication.supportsRunAs`).
        if target.is_empty() || authenticated.service_token.is_some() {
            tracing::debug!(
                user = %authenticating.username,
                "user attempted to run as an empty username"
            );
            let mut failure = self.failure(format!(
                "unable to authenticate user [{}] for REST request [{uri}]",
                authenticating.username
            ));
            failure.run_as_denied = true;
            return Err(failure);
        }
        let found = self.lookup_user(target);
        if let Some(user) = &found
            && !user.enabled
        {
            // A disabled target fails authentication, as a disabled user does.
            return Err(self.failure(format!(
                "unable to authenticate user [{}] for REST request [{uri}]",
                authenticating.username
            )));
        }
        let (user, target_found) = match found {
            Some(found) => (
                self.with_anonymous_roles(Arc::new(found.authentication)),
                true,
            ),
            // A target that does not exist is denied at authorization, so that the caller
            // cannot tell it apart from one they may not run as.
            None => (
                Arc::new(Authentication {
                    username: target.to_string(),
                    roles: Vec::new(),
                    full_name: None,
                    email: None,
                    metadata: serde_json::Map::new(),
                    realm: authenticating.realm.clone(),
                }),
                false,
            ),
        };
        Ok(Authenticated {
            user,
            run_by: Some(authenticating),
            target_found,
            api_key: authenticated.api_key,
            service_token: None,
            kind: authenticated.kind,
        })
    }

    /// A user by name from the realms that support lookup, in Elasticsearch's order
    /// (reserved, file, native).
    fn lookup_user(&self, name: &str) -> Option<LookedUp> {
        let store = self.authenticator.store();
        if crate::authc::RESERVED_USERS.contains(&name) {
            let enabled = store.user(name).is_none_or(|u| u.enabled);
            return Some(LookedUp {
                enabled,
                authentication: Authentication {
                    username: name.to_string(),
                    roles: crate::authc::reserved_roles(name),
                    full_name: None,
                    email: None,
                    metadata: std::iter::once(("_reserved".to_string(), Value::Bool(true)))
                        .collect(),
                    realm: RESERVED_REALM,
                },
            });
        }
        if let Some((_, roles)) = self.authenticator.file_realm().and_then(|f| f.user(name)) {
            return Some(LookedUp {
                enabled: true,
                authentication: Authentication {
                    username: name.to_string(),
                    roles,
                    full_name: None,
                    email: None,
                    metadata: serde_json::Map::new(),
                    realm: FILE_REALM,
                },
            });
        }
        let user = store.user(name)?;
        Some(LookedUp {
            enabled: user.enabled,
            authentication: Authentication {
                username: name.to_string(),
                roles: user.roles,
                full_name: user.full_name,
                email: user.email,
                metadata: user.metadata,
                realm: NATIVE_REALM,
            },
        })
    }

    /// Authenticates the owner of a granted API key from the credentials in the grant request
    /// (Elasticsearch's `TransportGrantAction`), then its `run_as` target: the authenticated
    /// user must be allowed to run as the target, which must exist. May check a password hash:
    /// call it off the I/O threads.
    pub fn authenticate_grant(
        &self,
        credentials: GrantCredentials,
        run_as: Option<&str>,
    ) -> Result<Arc<Authentication>, Box<EsException>> {
        let grant = action::API_KEY_GRANT.as_str();
        let user = match credentials {
            GrantCredentials::Password { username, password } => self
                .authenticator
                .authenticate(&username, &password)
                .map_err(|_| {
                    Box::new(self.unauthenticated(format!(
                        "unable to authenticate user [{username}] for action [{grant}]"
                    )))
                })?,
            GrantCredentials::AccessToken(token) => {
                // A token's authentication is taken as it is: Elasticsearch refuses run-as.
                if run_as.is_some() {
                    return Err(Box::new(EsException::new(
                        EsErrorType::Status,
                        "the provided grant credentials do not support run-as",
                    )));
                }
                self.tokens
                    .authenticate(token.expose().trim())
                    .map_err(|e| {
                        Box::new(match e {
                            TokenError::Expired => self.unauthenticated("token expired"),
                            // Elasticsearch's principal of a bearer credential.
                            _ => self.unauthenticated(format!(
                                "unable to authenticate user [_bearer_token] for action [{grant}]"
                            )),
                        })
                    })?
            }
        };
        let Some(target) = run_as else {
            return Ok(user);
        };
        // Elasticsearch checks a grant's run-as by authorizing `_authenticate` as the target;
        // a target that does not exist (or is disabled) is denied the same way.
        let store = Some(self.authenticator.store().as_ref());
        let (role, found) = compiled_role_of(store, &user);
        let subject = Subject {
            who: Who::User {
                username: user.username.clone(),
                run_as: None,
            },
            assigned_roles: user.roles.clone(),
            found_roles: found.to_vec(),
        };
        let looked_up = self.lookup_user(target).filter(|u| u.enabled);
        match looked_up {
            Some(u) if role.check_run_as(target) => Ok(Arc::new(u.authentication)),
            _ => Err(Box::new(EsException::with_status(
                EsErrorType::Security,
                403,
                run_as_denial(&subject, action::AUTHENTICATE, target).message,
            ))),
        }
    }

    /// `_has_privileges` for the caller of an authorized request: what its roles (or its API
    /// key, limited by the owner's snapshot) grant, with stored application privileges
    /// resolving privilege names to their actions.
    pub fn has_privileges(
        &self,
        authorized: &Authorized,
        request: &crate::rbac::HasPrivilegesRequest,
    ) -> Result<Value, crate::rbac::RoleError> {
        let store = self.authenticator.store();
        let definitions = crate::app_privilege::definitions(store);
        let user = authorized.user();
        match authorized.acting_api_key() {
            Some(key) => crate::rbac::has_privileges_limited(
                &user.username,
                &key.role,
                request,
                &definitions,
            ),
            None => {
                let (role, _) = compiled_role_of(Some(store), user);
                crate::rbac::has_privileges(&user.username, &role, request, &definitions)
            }
        }
    }

    /// `GET /_security/user/_privileges` for the caller of an authorized request; for an API
    /// key with descriptors of its own, Elasticsearch's refusal (its text).
    pub fn user_privileges(&self, authorized: &Authorized) -> Result<Value, &'static str> {
        match authorized.acting_api_key() {
            Some(key) => crate::api_key::key_user_privileges(key),
            None => {
                let store = self.authenticator.store();
                let (role, _) = compiled_role_of(Some(store), authorized.user());
                Ok(role.user_privileges())
            }
        }
    }

    /// Decides whether `authenticated` may make `request`.
    pub fn authorize(
        &self,
        authenticated: &Authenticated,
        request: SecuredRequest,
    ) -> Result<Authorized, Denied> {
        if authenticated.is_run_as() {
            self.authorize_run_as(authenticated, request.action)?;
        }
        let action = request.action;
        let self_granted = |request: SecuredRequest| Authorized {
            authenticated: authenticated.clone(),
            request,
            key_scope: KeyScope::Own,
            no_indices: false,
        };
        if SELF_ACTIONS.contains(&action) && targets_self(authenticated, &request.target) {
            return Ok(self_granted(request));
        }
        if action == action::USER_CHANGE_PASSWORD
            && targets_self(authenticated, &request.target)
            && may_change_own_password(authenticated)
        {
            return Ok(self_granted(request));
        }
        if let Some(key) = &authenticated.api_key
            && !authenticated.is_run_as()
        {
            return self.authorize_api_key_caller(authenticated, key, request);
        }
        let store = Some(self.authenticator.store().as_ref());
        let (compiled, found) = compiled_role_of(store, &authenticated.user);
        let subject = || authenticated.subject(&found);
        let mut request = request;
        let space = request.expression.as_ref().map(|e| e.space.clone());
        let empty = IndexSpace::default();
        let role = SpacePermission::new(compiled.as_ref(), space.as_deref().unwrap_or(&empty));
        let no_indices = self.expand_indices(authenticated, &mut request, &role, subject)?;
        let granted = |key_scope| Authorized {
            authenticated: authenticated.clone(),
            request: request.clone(),
            key_scope,
            no_indices,
        };
        let name = action.as_str();
        let any = ClusterContext::default();
        let own = ClusterContext {
            own_api_keys_only: true,
        };
        let decision = match &request.target {
            // `manage_api_key` reaches every owner's keys; `manage_own_api_key` only the
            // caller's, when the request selects nothing else
            // (`ManageOwnApiKeyClusterPrivilege.checkIfUserIsOwnerOfApiKeys`).
            Target::ApiKeys(selection) => {
                if role.check_cluster(name, any) {
                    Ok(KeyScope::AnyOwner)
                } else if role.check_cluster(name, own)
                    && owns_selection(&authenticated.user, None, selection)
                {
                    Ok(KeyScope::Own)
                } else {
                    authorize_cluster(&subject(), &role, name, any).map(|()| KeyScope::AnyOwner)
                }
            }
            // Creating and updating keys: `manage_own_api_key` suffices; an update reaches
            // only the caller's keys (the store checks ownership).
            _ if is_api_key_action(action) => {
                if role.check_cluster(name, any) {
                    Ok(KeyScope::AnyOwner)
                } else {
                    authorize_cluster(&subject(), &role, name, own).map(|()| KeyScope::Own)
                }
            }
            // The subject (copies of names and roles) feeds only the 403 text: checked first,
            // built only on denial, since this runs on every request.
            _ if action.is_cluster_action() => {
                if role.check_cluster(name, any) {
                    Ok(KeyScope::AnyOwner)
                } else {
                    authorize_cluster(&subject(), &role, name, any).map(|()| KeyScope::AnyOwner)
                }
            }
            _ if request.indices.is_empty() => {
                if role.check_index_action_name(name) {
                    Ok(KeyScope::AnyOwner)
                } else {
                    authorize_action_name(&subject(), &role, name).map(|()| KeyScope::AnyOwner)
                }
            }
            _ => {
                if request.indices.iter().all(|i| role.check_index(name, i)) {
                    Ok(KeyScope::AnyOwner)
                } else {
                    authorize_indices(&subject(), &role, name, &request.indices)
                        .map(|()| KeyScope::AnyOwner)
                }
            }
        };
        match decision {
            Ok(scope) => Ok(granted(scope)),
            // `global.application.manage` (`ManageApplicationPrivileges`): the privilege APIs
            // for the applications the role manages, which no cluster privilege names.
            Err(_)
                if is_application_privilege_action(action)
                    && matches!(&request.target, Target::Applications(apps)
                        if compiled.manages_applications(apps)) =>
            {
                Ok(granted(KeyScope::Own))
            }
            Err(denial) => Err(self.denied(authenticated, action, denial)),
        }
    }

    /// An API key's request: the key's descriptors limited by its owner's snapshot.
    fn authorize_api_key_caller(
        &self,
        authenticated: &Authenticated,
        key: &ApiKeyAuthentication,
        request: SecuredRequest,
    ) -> Result<Authorized, Denied> {
        let action = request.action;
        let mut request = request;
        let space = request.expression.as_ref().map(|e| e.space.clone());
        let empty = IndexSpace::default();
        let space = space.as_deref().unwrap_or(&empty);
        let permission = SpacePermission::new(key.role.as_ref(), space);
        let subject = || authenticated.subject(&[]);
        let no_indices = self.expand_indices(authenticated, &mut request, &permission, subject)?;
        let granted = |key_scope| Authorized {
            authenticated: authenticated.clone(),
            request: request.clone(),
            key_scope,
            no_indices,
        };
        if let Target::ApiKeys(selection) = &request.target {
            let any = ClusterContext::default();
            if crate::rbac::Permission::check_cluster(key.role.as_ref(), action.as_str(), any) {
                return Ok(granted(KeyScope::AnyOwner));
            }
            if owns_selection(&authenticated.user, Some(key), selection) {
                return authorize_api_key(key, space, action, &request.indices)
                    .map(|()| granted(KeyScope::Own))
                    .map_err(|d| self.denied(authenticated, action, d));
            }
            let subject = authenticated.subject(&[]);
            return Err(self.denied(
                authenticated,
                action,
                authorize_cluster(&subject, key.role.as_ref(), action.as_str(), any)
                    .err()
                    .unwrap_or_else(|| crate::rbac::denial(&subject, action.as_str(), &[])),
            ));
        }
        match authorize_api_key(key, space, action, &request.indices) {
            Ok(()) => {
                // How far an API-key action reaches; any other action has no key scope.
                let any = ClusterContext::default();
                let own_only = is_api_key_action(action)
                    && !crate::rbac::Permission::check_cluster(
                        key.role.as_ref(),
                        action.as_str(),
                        any,
                    );
                Ok(granted(if own_only {
                    KeyScope::Own
                } else {
                    KeyScope::AnyOwner
                }))
            }
            Err(denial) => Err(self.denied(authenticated, action, denial)),
        }
    }

    /// The run-as step: the authenticating subject's roles must name the target, and the
    /// target must exist.
    fn authorize_run_as(
        &self,
        authenticated: &Authenticated,
        action: ActionName,
    ) -> Result<(), Denied> {
        let authenticating = authenticated.authenticating_user();
        let store = Some(self.authenticator.store().as_ref());
        let target = &authenticated.user.username;
        let result = match &authenticated.api_key {
            Some(key) => {
                let subject = Subject {
                    who: Who::ApiKey {
                        id: key.id.clone(),
                        username: key.authentication.username.clone(),
                    },
                    assigned_roles: Vec::new(),
                    found_roles: Vec::new(),
                };
                let allowed = key.role.limited_by.check_run_as(target)
                    && key
                        .role
                        .assigned
                        .as_ref()
                        .is_none_or(|r| r.check_run_as(target));
                if allowed {
                    Ok(())
                } else {
                    Err(run_as_denial(&subject, action, target))
                }
            }
            None => {
                let (role, found) = compiled_role_of(store, authenticating);
                let subject = Subject {
                    who: Who::User {
                        username: authenticating.username.clone(),
                        run_as: None,
                    },
                    assigned_roles: authenticating.roles.clone(),
                    found_roles: found.to_vec(),
                };
                authorize_run_as(&subject, role.as_ref(), action.as_str(), target)
            }
        };
        let result = result.and_then(|()| {
            if authenticated.target_found {
                Ok(())
            } else {
                let subject = Subject {
                    who: Who::User {
                        username: authenticating.username.clone(),
                        run_as: None,
                    },
                    assigned_roles: authenticating.roles.clone(),
                    found_roles: compiled_role_of(store, authenticating).1.to_vec(),
                };
                Err(run_as_denial(&subject, action, target))
            }
        });
        result.map_err(|denial| Denied {
            exception: Box::new(EsException::with_status(
                EsErrorType::Security,
                403,
                denial.message,
            )),
            stage: DeniedAt::RunAs,
        })
    }

    /// The answer to a denied request: Elasticsearch's 403, or for the anonymous user with
    /// `authz_exception: false` a 401 asking for credentials.
    fn denied(&self, authenticated: &Authenticated, action: ActionName, denial: Denial) -> Denied {
        if authenticated.kind == AuthKind::Anonymous
            && self.anonymous.as_ref().is_some_and(|(_, authz)| !authz)
        {
            return Denied {
                exception: Box::new(self.unauthenticated(format!(
                    "action [{}] requires authentication",
                    action.as_str()
                ))),
                stage: DeniedAt::Action,
            };
        }
        Denied {
            exception: Box::new(EsException::with_status(
                EsErrorType::Security,
                403,
                denial.message,
            )),
            stage: DeniedAt::Action,
        }
    }

    /// Replaces the request's index expression with the names the caller may use for the
    /// action (`IndicesAndAliasesResolver`). A caller holding the action on no index at all is
    /// denied first, without a name (`RBACEngine.authorizeIndexAction`). Returns whether the
    /// expression reached nothing and runs on no index.
    fn expand_indices(
        &self,
        authenticated: &Authenticated,
        request: &mut SecuredRequest,
        permission: &impl Permission,
        subject: impl FnOnce() -> Subject,
    ) -> Result<bool, Denied> {
        let Some(expression) = &request.expression else {
            return Ok(false);
        };
        let action = request.action;
        let name = action.as_str();
        if action.is_cluster_action() {
            return Ok(false);
        }
        if !permission.check_index_action_name(name) {
            let denial = crate::rbac::denial(&subject(), name, &[]);
            return Err(self.denied(authenticated, action, denial));
        }
        let resolved = resolve_indices(
            &expression.expressions,
            &expression.options,
            &expression.space,
            |index| permission.check_index(name, index),
            Timestamp::now(),
        )
        .map_err(|exception| Denied {
            exception,
            stage: DeniedAt::IndexExpression,
        })?;
        request.indices = resolved.names;
        Ok(resolved.no_indices)
    }
}

/// The user found by a run-as lookup.
struct LookedUp {
    enabled: bool,
    authentication: Authentication,
}

fn service_token_authenticated(token: Arc<ServiceTokenAuthentication>) -> Authenticated {
    Authenticated {
        user: token.authentication.clone(),
        run_by: None,
        target_found: true,
        api_key: None,
        service_token: Some(token),
        kind: AuthKind::Token,
    }
}

fn api_key_authenticated(key: Arc<ApiKeyAuthentication>) -> Authenticated {
    Authenticated {
        user: key.authentication.clone(),
        run_by: None,
        target_found: true,
        api_key: Some(key),
        service_token: None,
        kind: AuthKind::ApiKey,
    }
}

/// Elasticsearch's run-as denial text.
fn run_as_denial(subject: &Subject, action: ActionName, target: &str) -> Denial {
    let who = match &subject.who {
        Who::ApiKey { id, username } => format!("API key id [{id}] of user [{username}]"),
        other => format!("user [{other}]"),
    };
    let mut described = crate::rbac::denial(subject, action.as_str(), &[]).message;
    // The denial text is "action [..] is unauthorized for <subject>, this action is granted
    // by ..."; the run-as text keeps the subject and replaces the rest.
    if let Some(i) = described.find(", this action is granted by") {
        described.truncate(i);
    }
    Denial {
        action: action.as_str().to_string(),
        message: format!("{described}, because {who} is unauthorized to run as [{target}]"),
        indices: Vec::new(),
    }
}

/// API key actions `manage_own_api_key` covers: every one but granting keys to others.
fn is_api_key_action(action: ActionName) -> bool {
    action.is_api_key_action() && action != action::API_KEY_GRANT
}

fn is_application_privilege_action(action: ActionName) -> bool {
    [
        action::PRIVILEGE_PUT,
        action::PRIVILEGE_GET,
        action::PRIVILEGE_DELETE,
        action::PRIVILEGE_CACHE_CLEAR,
    ]
    .contains(&action)
}

/// Whether the request names the caller's own account (or no account at all).
fn targets_self(authenticated: &Authenticated, target: &Target) -> bool {
    match target {
        Target::Account(Some(name)) => *name == authenticated.user.username,
        _ => true,
    }
}

/// Native and reserved users may change their own password without a privilege; users of
/// other realms (file, PKI), API keys and tokens may not (`checkChangePasswordAction`).
fn may_change_own_password(authenticated: &Authenticated) -> bool {
    authenticated.api_key.is_none()
        && authenticated.kind != AuthKind::Anonymous
        && matches!(authenticated.user.realm.realm_type, "native" | "reserved")
}

/// `manage_own_api_key`'s rule (Elasticsearch's `checkIfUserIsOwnerOfApiKeys`): a key may
/// name only itself by id; a user must say `owner=true` or give their own user name and realm.
fn owns_selection(
    user: &Authentication,
    key: Option<&ApiKeyAuthentication>,
    selection: &ApiKeySelection,
) -> bool {
    match key {
        Some(k) => {
            !selection.with_limited_by
                && !selection.keys.ids.is_empty()
                && selection.keys.ids.iter().all(|i| *i == k.id)
        }
        None => {
            selection.owner
                || (selection.keys.username.as_deref() == Some(user.username.as_str())
                    && selection.keys.realm_name.as_deref() == Some(user.realm.name))
        }
    }
}

#[cfg(test)]
#[path = "gate_tests.rs"]
mod tests;
