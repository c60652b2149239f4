//! Shared scaffolding of the in-process REST tests: a fixture (temp dir, security store, users,
//! roles, node state and the real router), header builders and one request helper, so that each
//! test file states only the users and roles it needs.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use http_body_util::BodyExt;
use ironstack_config::AuthcConfig;
use ironstack_security::gate::{AnonymousSettings, Gate, GateSettings};
use ironstack_security::token::{Clock, TokenService, TokenSettings};
use ironstack_security::{Authenticator, Hasher, SecurityStore, StoredUser};
use serde_json::Value;
use tower::ServiceExt;

use crate::rest::router;
use crate::state::{AppState, NodeIdentity};

/// The password of every fixture user.
pub(crate) const PASSWORD: &str = "test-password-123";

/// The node identity every fixture runs as.
pub(crate) fn identity() -> NodeIdentity {
    NodeIdentity {
        node_name: "node-1".into(),
        cluster_name: "test-cluster".into(),
        cluster_uuid: "3q2Qf0nKQzW8m3t1Zb7Q9A".into(),
        node_id: "abcdEFGHijklMNOPqrstUV".into(),
        license_uid: "00000000-0000-4000-8000-000000000000".into(),
        license_issue_date_millis: 1_700_000_000_000,
    }
}

/// A `Basic` authorization header value.
pub(crate) fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A node with a native security store in a temp dir, served by the real router.
pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: Arc<SecurityStore>,
    pub(crate) authenticator: Arc<Authenticator>,
    pub(crate) gate: Arc<Gate>,
    pub(crate) state: Arc<AppState>,
    pub(crate) router: axum::Router,
}

/// What a [`Fixture`] is built with; `elastic` (no roles, reserved superuser) is always there.
pub(crate) struct FixtureBuilder {
    users: Vec<(String, Vec<String>, Option<String>)>,
    roles: Vec<(String, Value)>,
    security: bool,
    max_content_length: u64,
    authc: AuthcConfig,
    clock: Option<Clock>,
    pki: Option<ironstack_config::NodeConfig>,
}

impl Fixture {
    /// A builder with only `elastic`, security on and a 100 MiB content limit.
    pub(crate) fn builder() -> FixtureBuilder {
        FixtureBuilder {
            users: vec![("elastic".into(), vec![], None)],
            roles: vec![],
            security: true,
            max_content_length: 100 * 1024 * 1024,
            // Elasticsearch's defaults on a plain-HTTP node (the token service is off).
            authc: AuthcConfig::default(),
            clock: None,
            pki: None,
        }
    }
}

impl FixtureBuilder {
    /// A native user holding `roles`, with [`PASSWORD`].
    pub(crate) fn user(mut self, name: &str, roles: &[&str]) -> Self {
        let roles = roles.iter().map(|r| r.to_string()).collect();
        self.users.push((name.into(), roles, None));
        self
    }

    /// A native user with a full name.
    pub(crate) fn user_named(mut self, name: &str, roles: &[&str], full_name: &str) -> Self {
        self = self.user(name, roles);
        if let Some(last) = self.users.last_mut() {
            last.2 = Some(full_name.into());
        }
        self
    }

    /// A native role from its Elasticsearch JSON descriptor.
    pub(crate) fn role(mut self, name: &str, descriptor: Value) -> Self {
        self.roles.push((name.into(), descriptor));
        self
    }

    /// Whether the node authenticates at all (off: no authenticator in the state).
    pub(crate) fn security(mut self, on: bool) -> Self {
        self.security = on;
        self
    }

    /// Token service, anonymous access and run-as settings.
    pub(crate) fn authc(mut self, config: AuthcConfig) -> Self {
        self.authc = config;
        self
    }

    /// `xpack.security.authc.token.enabled`.
    pub(crate) fn tokens(mut self, enabled: bool) -> Self {
        self.authc.token.enabled = enabled;
        self
    }

    /// The token service's clock (tests move time).
    pub(crate) fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The PKI realms `config` defines, built as the node builds them (over the fixture's
    /// store).
    pub(crate) fn pki_realms_from(mut self, config: ironstack_config::NodeConfig) -> Self {
        self.pki = Some(config);
        self
    }

    /// `http.max_content_length`.
    pub(crate) fn max_content_length(mut self, bytes: u64) -> Self {
        self.max_content_length = bytes;
        self
    }

    pub(crate) fn build(self) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        // The node's arrangement: the security store on the document store's security indices.
        let documents = crate::store::open(&dir.path().join("data"), "true").unwrap();
        let indices =
            crate::security_index::SecurityIndices::open(documents.service.clone()).unwrap();
        let store = Arc::new(SecurityStore::open_on(dir.path(), Arc::new(indices)).unwrap());
        // Cost 4: the minimum bcrypt allows, so fixtures stay fast.
        let hash = Hasher::Bcrypt { cost: 4 }.hash(PASSWORD).unwrap();
        for (name, roles, full_name) in self.users {
            let mut user = StoredUser::new(hash.clone(), roles);
            user.full_name = full_name;
            store.put_user(&name, user).unwrap();
        }
        for (name, descriptor) in self.roles {
            store.put_role(&name, descriptor).unwrap();
        }
        let authenticator = Arc::new(Authenticator::new(store.clone(), None));
        let settings = TokenSettings {
            enabled: self.authc.token.enabled,
            timeout: self.authc.token.timeout,
        };
        let tokens = Arc::new(match self.clock {
            Some(clock) => TokenService::with_clock(authenticator.clone(), settings, clock),
            None => TokenService::new(authenticator.clone(), settings),
        });
        let anonymous = &self.authc.anonymous;
        let pki_realms = match &self.pki {
            Some(config) => {
                crate::rest::ssl::build(config, Some(&store), |_| None)
                    .unwrap()
                    .pki_realms
            }
            None => Vec::new(),
        };
        let gate = Arc::new(Gate::new(
            authenticator.clone(),
            GateSettings {
                tokens,
                anonymous: anonymous.enabled().then(|| AnonymousSettings {
                    username: anonymous.username.clone(),
                    roles: anonymous.roles.clone(),
                    authz_exception: anonymous.authz_exception,
                }),
                pki_realms,
                run_as_enabled: self.authc.run_as_enabled,
            },
        ));
        let state = Arc::new(
            AppState::new(
                identity(),
                self.security.then(|| gate.clone()),
                self.max_content_length,
            )
            .with_store(documents.service),
        );
        Fixture {
            dir,
            store,
            authenticator,
            gate,
            router: router(state.clone()),
            state,
        }
    }
}

/// A response, read to the end.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; panics (showing the body) when it is not.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as JSON, or `null` when it is not JSON (HEAD, empty or text bodies).
    pub(crate) fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    /// A header's value, `""` when absent.
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

/// A request: `authz` is the whole `Authorization` value; `body` null is no body, a JSON string
/// is sent raw (to test malformed input) and anything else is sent as JSON.
pub(crate) fn request(method: &str, uri: &str, authz: Option<&str>, body: Value) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(a) = authz {
        req = req.header(header::AUTHORIZATION, a);
    }
    let body = match body {
        Value::Null => Body::empty(),
        Value::String(raw) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(raw)
        }
        v => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
    };
    req.body(body).unwrap()
}

/// Sends a built request through the router.
pub(crate) async fn send(f: &Fixture, req: Request<Body>) -> Reply {
    let resp = f.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: body.to_vec(),
    }
}

/// [`request`] then [`send`].
pub(crate) async fn call(
    f: &Fixture,
    method: &str,
    uri: &str,
    authz: Option<&str>,
    body: Value,
) -> Reply {
    send(f, request(method, uri, authz, body)).await
}

/// [`call`] with an `Authorization` value, answering the status and the JSON body (which must
/// be JSON).
pub(crate) async fn call_json(
    f: &Fixture,
    method: &str,
    uri: &str,
    authz: &str,
    body: Value,
) -> (StatusCode, Value) {
    let r = call(f, method, uri, Some(authz), body).await;
    (r.status, r.json())
}

/// A request body that sends `first` (if any) and then nothing, ever, announcing `announced`
/// bytes: a client that stalls mid-body.
pub(crate) struct StallingBody {
    pub(crate) first: Option<axum::body::Bytes>,
    pub(crate) announced: Option<u64>,
}

impl http_body::Body for StallingBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match self.first.take() {
            Some(b) => std::task::Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
            None => std::task::Poll::Pending,
        }
    }
    fn size_hint(&self) -> http_body::SizeHint {
        self.announced.map_or_else(
            http_body::SizeHint::default,
            http_body::SizeHint::with_exact,
        )
    }
}

/// `proxy` (may run as `target`), `joe` and `target` (both `monitor` only).
pub(crate) fn run_as_fixture() -> Fixture {
    Fixture::builder()
        .user("proxy", &["runner"])
        .user("joe", &["monitor_only"])
        .user("target", &["monitor_only"])
        .role("runner", serde_json::json!({"run_as": ["target"]}))
        .role("monitor_only", serde_json::json!({"cluster": ["monitor"]}))
        .build()
}
